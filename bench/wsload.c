/* A WebSocket load client in one epoll loop, far cheaper per frame than the hub it measures
 * (a Python client costs about as much as the hub and so measures itself). It speaks only the
 * public protocol: GET /ws?token=..., {"type":"subscribe"}, and it counts server text frames
 * whose type is post.created. bench/loadclient.py compiles it into a temporary directory and
 * drives it; the modes are below. One file past the usual size on purpose: the benchmark
 * builds it with a single gcc call, nothing to link or install.
 *
 *   wsload MODE PORT CHANNEL TOKENFILE COUNT [POSTS CONCURRENCY]
 *
 * MODE: fanout   connect and subscribe COUNT sockets, print "ready", wait for "go" on stdin,
 *                then POST POSTS posts over CONCURRENCY keep-alive connections and time the
 *                first POST to the last post.created received by every socket.
 *       latency  connect and subscribe, print "ready", then for every post.created whose
 *                content is "sent <CLOCK_MONOTONIC seconds>" note now - then; stop after
 *                COUNT*POSTS of them, or 5 s after "end" on stdin.
 *       storm    open COUNT sockets with at most CONCURRENCY handshakes in flight; each waits
 *                for connected, subscribes and waits for subscribed; time the whole.
 *       idle     connect and subscribe COUNT sockets, print how long it took, hold them until
 *                a line on stdin, then print how many are still open.
 * Every mode ends with one JSON line on stdout (with this process's CPU seconds).
 * TOKENFILE holds one token a line; socket i uses line i modulo their number. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { CONNECTING, HANDSHAKE, WAIT_CONNECTED, WAIT_SUBSCRIBED, SUBSCRIBED, DEAD };

typedef struct {
    int fd, state, token;
    unsigned char *buf;
    size_t len, cap;
} Conn;

typedef struct {
    int fd, busy;
    char head[8192];
    size_t len;
} Poster;

static int port, count, posts, concurrency, ntokens;
static char mode[16], channel[128], **tokens;
static Conn *conns;
static Poster *posters;
static int epfd;
static long subscribed, opened, dead, started_connects, frames, remaining_posts, posts_done, bad_posts;
static long expected;
static double *latencies;
static long nlat;
static char request[4096];
static size_t request_len;

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static double cpu(void) {
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return u.ru_utime.tv_sec + u.ru_utime.tv_usec / 1e6 + u.ru_stime.tv_sec + u.ru_stime.tv_usec / 1e6;
}

static void die(const char *what) {
    perror(what);
    exit(2);
}

static int open_socket(void) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (fd < 0) die("socket");
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0 && errno != EINPROGRESS) die("connect");
    return fd;
}

static void watch(int fd, uint32_t events, uint64_t tag, int op) {
    struct epoll_event e = {.events = events, .data.u64 = tag};
    if (epoll_ctl(epfd, op, fd, &e) < 0) die("epoll_ctl");
}

static void start_conn(int i) {
    Conn *c = &conns[i];
    c->fd = open_socket();
    c->state = CONNECTING;
    c->token = i % ntokens;
    watch(c->fd, EPOLLOUT, (uint64_t)i, EPOLL_CTL_ADD);
    started_connects++;
}

/* A client frame must be masked; the mask is fixed (the server only unmasks). */
static void send_text(Conn *c, const char *text) {
    unsigned char out[512];
    size_t n = strlen(text), h = 0;
    static const unsigned char mask[4] = {0x37, 0xfa, 0x21, 0x3d};
    out[h++] = 0x81;
    out[h++] = 0x80 | (unsigned char)n; /* our messages are short */
    memcpy(out + h, mask, 4);
    h += 4;
    for (size_t k = 0; k < n; k++) out[h + k] = text[k] ^ mask[k & 3];
    if (write(c->fd, out, h + n) != (ssize_t)(h + n)) { /* tiny write on a fresh socket */ }
}

static void send_pong(Conn *c, const unsigned char *payload, size_t n) {
    unsigned char out[140];
    out[0] = 0x8A;
    out[1] = 0x80 | (unsigned char)n;
    memset(out + 2, 0, 4); /* zero mask: payload unchanged */
    memcpy(out + 6, payload, n);
    if (write(c->fd, out, 6 + n) < 0) { /* the close is noticed on read */ }
}

static void kill_conn(Conn *c) {
    if (c->state == DEAD) return;
    if (c->state == SUBSCRIBED) subscribed--;
    c->state = DEAD;
    dead++;
    epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
}

static void on_subscribed(Conn *c);

static void on_text(Conn *c, const unsigned char *p, size_t n) {
    size_t head = n < 48 ? n : 48;
    if (memmem(p, head, "\"type\":\"post.created\"", 21)) {
        frames++;
        if (latencies) {
            const char *m = memmem(p, n, "\"content\":\"sent ", 16);
            if (m && nlat < expected) latencies[nlat++] = now() - strtod(m + 16, NULL);
        }
        return;
    }
    if (c->state == WAIT_CONNECTED && memmem(p, head, "\"type\":\"connected\"", 18)) {
        char msg[256];
        snprintf(msg, sizeof msg, "{\"type\":\"subscribe\",\"channel\":\"%s\"}", channel);
        send_text(c, msg);
        c->state = WAIT_SUBSCRIBED;
    } else if (c->state == WAIT_SUBSCRIBED && memmem(p, head, "\"type\":\"subscribed\"", 19)) {
        c->state = SUBSCRIBED;
        on_subscribed(c);
    } else if (memmem(p, head, "\"type\":\"error\"", 14)) {
        fprintf(stderr, "error frame: %.*s\n", (int)(n < 300 ? n : 300), p);
    }
}

/* Parse whole frames out of c->buf; keep a partial one. */
static void parse(Conn *c) {
    size_t off = 0;
    unsigned char *b = c->buf;
    while (c->len - off >= 2) {
        uint64_t n = b[off + 1] & 0x7f;
        size_t h = 2;
        if (n == 126) {
            if (c->len - off < 4) break;
            n = (b[off + 2] << 8) | b[off + 3];
            h = 4;
        } else if (n == 127) {
            if (c->len - off < 10) break;
            n = 0;
            for (int k = 0; k < 8; k++) n = (n << 8) | b[off + 2 + k];
            h = 10;
        }
        if (c->len - off < h + n) break;
        int op = b[off] & 0x0f;
        if (op == 1) on_text(c, b + off + h, n);
        else if (op == 9) send_pong(c, b + off + h, n);
        else if (op == 8) { kill_conn(c); return; }
        off += h + n;
    }
    if (off) {
        memmove(b, b + off, c->len - off);
        c->len -= off;
    }
}

static unsigned char scratch[1 << 20];

static void on_readable(Conn *c) {
    for (;;) {
        ssize_t got = read(c->fd, scratch, sizeof scratch);
        if (got == 0) { kill_conn(c); return; }
        if (got < 0) {
            if (errno == EAGAIN) return;
            kill_conn(c);
            return;
        }
        unsigned char *data = scratch;
        size_t size = got;
        if (c->state == HANDSHAKE) {
            /* The 101 answer and maybe the first frames behind it in one read. */
            unsigned char *end = memmem(data, size, "\r\n\r\n", 4);
            if (!end || memcmp(data, "HTTP/1.1 101", 12) != 0) {
                fprintf(stderr, "handshake refused: %.*s\n", (int)(size < 200 ? size : 200), data);
                kill_conn(c);
                return;
            }
            c->state = WAIT_CONNECTED;
            opened++;
            size -= end + 4 - data;
            data = end + 4;
        }
        if (!size) continue;
        if (c->len + size > c->cap) {
            c->cap = (c->len + size) * 2;
            c->buf = realloc(c->buf, c->cap);
        }
        memcpy(c->buf + c->len, data, size);
        c->len += size;
        parse(c);
        if (c->state == DEAD) return;
        if (c->len == 0 && c->cap > 65536) { /* a burst is over: give the memory back */
            free(c->buf);
            c->buf = NULL;
            c->cap = 0;
        }
    }
}

static void on_writable(Conn *c, int i) {
    int err = 0;
    socklen_t l = sizeof err;
    getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &l);
    if (err) {
        fprintf(stderr, "connect: %s\n", strerror(err));
        kill_conn(c);
        return;
    }
    char req[1024];
    int n = snprintf(req, sizeof req,
                     "GET /ws?token=%s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\n"
                     "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                     "Sec-WebSocket-Version: 13\r\n\r\n",
                     tokens[c->token], port);
    if (write(c->fd, req, n) != n) die("handshake write");
    c->state = HANDSHAKE;
    watch(c->fd, EPOLLIN, (uint64_t)i, EPOLL_CTL_MOD);
}

/* ---- posters (fanout mode): keep-alive HTTP/1.1 POSTs, one in flight per connection ---- */

#define POSTER_TAG (1ull << 40)
#define STDIN_TAG (1ull << 41)

static long reconnects;

static void connect_poster(Poster *p, int k) {
    p->fd = open_socket();
    fd_set w; /* wait for the connect (loopback: at once) */
    FD_ZERO(&w);
    FD_SET(p->fd, &w);
    select(p->fd + 1, NULL, &w, NULL, NULL);
    p->len = 0;
    watch(p->fd, EPOLLIN, POSTER_TAG | k, EPOLL_CTL_ADD);
}

static void post_next(Poster *p) {
    if (remaining_posts <= 0) { p->busy = 0; return; }
    remaining_posts--;
    p->busy = 1;
    p->len = 0;
    if (write(p->fd, request, request_len) != (ssize_t)request_len) die("post write");
    p->len = 0;
}

static void on_poster(Poster *p) {
    for (;;) {
        ssize_t got = read(p->fd, p->head + p->len, sizeof p->head - p->len - 1);
        if (got <= 0) {
            if (got < 0 && errno == EAGAIN) return;
            if (p->len == 0 && reconnects++ < 100) {
                /* Closed before any answer to the request in flight (a server may end an idle or
                 * an old keep-alive connection): open another and send it again. */
                fprintf(stderr, "poster connection closed (%s): reconnecting\n", got ? strerror(errno) : "EOF");
                epoll_ctl(epfd, EPOLL_CTL_DEL, p->fd, NULL);
                close(p->fd);
                connect_poster(p, (int)(p - posters));
                remaining_posts++;
                post_next(p);
                return;
            }
            fprintf(stderr, "poster connection closed mid-answer\n");
            exit(3);
        }
        p->len += got;
        p->head[p->len] = 0;
        char *end = strstr(p->head, "\r\n\r\n");
        if (!end) continue;
        char *cl = strcasestr(p->head, "content-length:");
        size_t body = cl ? strtoul(cl + 15, NULL, 10) : 0;
        if ((size_t)(end + 4 - p->head) + body > p->len) continue;
        if (strncmp(p->head, "HTTP/1.1 201", 12) != 0) {
            bad_posts++;
            fprintf(stderr, "post answered: %.120s\n", p->head);
        }
        posts_done++;
        post_next(p);
        return;
    }
}

static void start_posting(const char *token) {
    char body[512];
    char content[201];
    memset(content, 'x', 200);
    content[200] = 0;
    int bl = snprintf(body, sizeof body, "{\"channel_id\":\"%s\",\"content\":\"%s\"}", channel, content);
    request_len = snprintf(request, sizeof request,
                           "POST /api/v1/posts HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
                           "Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
                           token, bl, body);
    remaining_posts = posts;
    posters = calloc(concurrency, sizeof *posters);
    for (int k = 0; k < concurrency; k++) connect_poster(&posters[k], k);
    for (int k = 0; k < concurrency; k++) post_next(&posters[k]);
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double pct(double f) {
    if (!nlat) return -1;
    long i = (long)(f * nlat);
    return latencies[i >= nlat ? nlat - 1 : i];
}

static int ready_said, go, ended;
static double t_start, t_ready, t_go, t_last, t_end_deadline, cpu_go, cpu_ready;

static void on_subscribed(Conn *c) {
    (void)c;
    subscribed++;
}

static void read_stdin(void) {
    char line[64];
    ssize_t n = read(0, line, sizeof line - 1);
    if (n <= 0) { ended = 2; return; }
    line[n] = 0;
    if (strstr(line, "go")) { go = 1; t_go = now(); cpu_go = cpu(); }
    if (strstr(line, "end")) { ended = 1; t_end_deadline = now() + 5; }
}

int main(int argc, char **argv) {
    if (argc < 6) {
        fprintf(stderr, "usage: wsload MODE PORT CHANNEL TOKENFILE COUNT [POSTS CONCURRENCY]\n");
        return 2;
    }
    snprintf(mode, sizeof mode, "%s", argv[1]);
    port = atoi(argv[2]);
    snprintf(channel, sizeof channel, "%s", argv[3]);
    count = atoi(argv[5]);
    posts = argc > 6 ? atoi(argv[6]) : 0;
    concurrency = argc > 7 ? atoi(argv[7]) : 4;
    FILE *tf = fopen(argv[4], "r");
    if (!tf) die("token file");
    char line[8192];
    int tcap = 16;
    tokens = malloc(tcap * sizeof *tokens);
    while (fgets(line, sizeof line, tf)) {
        line[strcspn(line, "\r\n")] = 0;
        if (!*line) continue;
        if (ntokens == tcap) tokens = realloc(tokens, (tcap *= 2) * sizeof *tokens);
        tokens[ntokens++] = strdup(line);
    }
    fclose(tf);
    if (!ntokens) { fprintf(stderr, "no tokens\n"); return 2; }

    struct rlimit r;
    getrlimit(RLIMIT_NOFILE, &r);
    r.rlim_cur = r.rlim_max;
    setrlimit(RLIMIT_NOFILE, &r);

    int storm = !strcmp(mode, "storm"), idle = !strcmp(mode, "idle"), lat = !strcmp(mode, "latency");
    int fan = !strcmp(mode, "fanout");
    if (!storm && !idle && !lat && !fan) { fprintf(stderr, "unknown mode %s\n", mode); return 2; }
    /* Handshakes in flight at once: all of them would overflow the listen backlog. */
    int window = storm ? concurrency : 200;
    if (lat) {
        expected = (long)count * posts;
        latencies = malloc(sizeof(double) * (expected + 1));
    }
    if (fan) expected = (long)count * posts;
    conns = calloc(count, sizeof *conns);
    epfd = epoll_create1(0);
    watch(0, EPOLLIN, STDIN_TAG, EPOLL_CTL_ADD);
    t_start = now();
    double cpu_start = cpu();
    int next = 0;
    struct epoll_event ev[512];
    for (;;) {
        while (next < count && started_connects - subscribed - dead < window) start_conn(next++);
        if (!ready_said && subscribed + dead == count && next == count) {
            ready_said = 1;
            t_ready = now();
            cpu_ready = cpu();
            if (storm) break;
            if (idle) {
                printf("{\"held\":%ld,\"connect_seconds\":%.4f}\n", subscribed, t_ready - t_start);
            } else {
                printf("ready\n");
            }
            fflush(stdout);
        }
        if (idle && ended) break;
        if (fan && go && !posters) start_posting(tokens[0]);
        if (fan && ready_said && expected && frames >= expected) break;
        if (lat && ready_said && nlat >= expected) break;
        if (lat && ended == 1 && now() > t_end_deadline) break;
        if (ended == 2 && !idle) break;
        int n = epoll_wait(epfd, ev, 512, 200);
        if (n < 0 && errno != EINTR) die("epoll_wait");
        for (int k = 0; k < n; k++) {
            uint64_t tag = ev[k].data.u64;
            if (tag == STDIN_TAG) { read_stdin(); continue; }
            if (tag & POSTER_TAG) { on_poster(&posters[tag & 0xffffffff]); continue; }
            Conn *c = &conns[tag];
            if (c->state == DEAD) continue;
            if (c->state == CONNECTING) on_writable(c, (int)tag);
            else if (ev[k].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) on_readable(c);
        }
        if (frames && frames <= expected) t_last = now();
    }
    double t_done = now(), cpu_done = cpu();
    if (storm) {
        printf("{\"subscribed\":%ld,\"failed\":%ld,\"seconds\":%.4f,\"cpu\":%.4f}\n", subscribed, dead,
               t_ready - t_start, cpu_done - cpu_start);
    } else if (idle) {
        long alive = 0;
        char b;
        for (int i = 0; i < count; i++) {
            if (conns[i].state != SUBSCRIBED) continue;
            ssize_t got = recv(conns[i].fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);
            if (got < 0 && errno == EAGAIN) alive++;
            else if (got > 0) alive++; /* something to read (a ping): still open */
        }
        printf("{\"alive\":%ld,\"cpu\":%.4f}\n", alive, cpu_done - cpu_start);
    } else if (fan) {
        printf("{\"deliveries\":%ld,\"expected\":%ld,\"seconds\":%.4f,\"generator_cpu\":%.4f,\"connect_seconds\":%.4f,"
               "\"bad_posts\":%ld,\"subscribed\":%ld}\n",
               frames, expected, t_last - t_go, cpu_done - cpu_go, t_ready - t_start, bad_posts, subscribed);
    } else {
        qsort(latencies, nlat, sizeof(double), cmp);
        double sum = 0;
        for (long i = 0; i < nlat; i++) sum += latencies[i];
        printf("{\"received\":%ld,\"expected\":%ld,\"p50\":%.6f,\"p90\":%.6f,\"p99\":%.6f,\"max\":%.6f,\"mean\":%.6f,"
               "\"cpu\":%.4f,\"seconds\":%.4f}\n",
               nlat, expected, pct(0.5), pct(0.9), pct(0.99), nlat ? latencies[nlat - 1] : -1, nlat ? sum / nlat : -1,
               cpu_done - cpu_ready, t_done - t_ready);
    }
    fflush(stdout);
    return 0;
}
