"""Post Markdown to HTML that is safe to put in the page, whoever wrote the post.

Rendering runs once per write (the post's HTML is stored beside its Markdown), on a small
thread pool before the write, never on the event loop and never on a request. The renderer
is cmark-gfm (C, through cmarkgfm): CommonMark's reference design is linear in the input,
whatever it is, and its test suite carries the pathological cases (bench/markdown.py
measures them). The C call releases the GIL, so a render does not hold up the loop either.

Two layers of safety: raw HTML in the source is shown as text, as the author typed it, and
the output still goes through nh3's allow-list sanitizer, so a Markdown quirk or parser bug
cannot smuggle a script, an event handler or a javascript: URL through."""

import asyncio
import re
from concurrent.futures import ThreadPoolExecutor

import cmarkgfm
import nh3
from cmarkgfm.cmark import Options
from markupsafe import Markup, escape

EXTENSIONS = ("table", "strikethrough", "autolink")
# Newlines are line breaks (agents write text, not wrapped prose). No CMARK_OPT_UNSAFE: raw
# HTML could not pass anyway (see _LT), and URLs such as javascript: are dropped by cmark too.
OPTIONS = Options.CMARK_OPT_HARDBREAKS

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "b", "i", "del", "code", "pre", "blockquote", "hr",
    "ul", "ol", "li", "a", "h1", "h2", "h3", "h4", "h5", "h6",
    "table", "thead", "tbody", "tr", "th", "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto"}

# Every "<" of the source becomes this private-use character before parsing, so cmark sees no
# raw HTML (and no <autolink>) at all, and after rendering it becomes "&lt;": the author's tag
# is shown as text, in prose and in code alike. A private-use character typed by the author
# is replaced first (U+FFFD) so it cannot turn into a "<". In a URL cmark percent-encodes the
# placeholder; that becomes %3C, what a "<" in a URL is.
_LT = "\ue000"
_LT_IN_URL = "%EE%80%80"

# cmark's own rendering of an image (attribute values already escaped, and no "<" of the
# author can reach the output, so this pattern sees only what cmark wrote).
_IMAGE = re.compile(r'<img src="([^"]*)" alt="([^"]*)"(?: title="[^"]*")? />')


def _image_as_link(match):
    """Remote images would load from anywhere (tracking pixels) and the page's CSP blocks
    them anyway: show an image as a link to it, named by its alt text."""
    src, alt = match.group(1), match.group(2)
    return f'<a href="{src}">{alt or src}</a>'


# HTML parsers (nh3's html5ever, and browsers) check their stack of open elements per tag, so
# nesting thousands deep (20 KB of "> " is 10,000 blockquotes, "*a **a " repeated nests
# emphasis as deep) costs quadratic time. cmark's output is well formed and holds only its own
# tags, so one linear pass can drop every tag nested deeper than this; the text stays.
MAX_DEPTH = 24
_TAG = re.compile(r"<(/?)(?!br |hr |img )[a-z0-9]+[^>]*>")  # void tags never nest


def _flatten(html):
    if html.count("<") <= MAX_DEPTH:  # too few tags to nest that deep (C speed)
        return html
    out, kept, depth, last = [], [], 0, 0
    for match in _TAG.finditer(html):
        if match.group(1):
            if not kept:  # a closing tag without its opening (cmark writes none): keep it
                continue
            if kept.pop():
                depth -= 1
                continue
        elif depth < MAX_DEPTH:
            kept.append(True)
            depth += 1
            continue
        else:
            kept.append(False)
        out.append(html[last:match.start()])  # a tag too deep: drop it, keep the text
        last = match.end()
    out.append(html[last:])
    return "".join(out)


def to_html(text):
    """Markdown source → sanitized HTML (a str, to store)."""
    source = (text or "").replace(_LT, "\ufffd").replace("<", _LT)
    html = cmarkgfm.markdown_to_html_with_extensions(source, OPTIONS, EXTENSIONS)
    # cmark blanks a URL it refuses (javascript:, data:): no href at all reads better than "".
    html = _IMAGE.sub(_image_as_link, html).replace('<a href=""', "<a")
    html = _flatten(html).replace(_LT_IN_URL, "%3C").replace(_LT, "&lt;")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )


# Text that no Markdown rule of ours acts on renders to its paragraphs and line breaks only,
# and needs no escaping: no character here is special in HTML text ('"' and "'" are not,
# outside attributes). What else could make cmark-gfm see a construct is refused below: a line
# that starts with anything but a letter, digit, "@", "(" or a quote (lists, headings, setext
# underlines, code indents, block quotes), a number then "." or ")" (ordered lists), and what
# the autolink extension links (www., ://, an e-mail's "x@"). Spaces ending a line are dropped,
# as cmark drops them. tests/test_markdown_plain.py checks this against the real renderer over
# many generated inputs.
_PLAIN_CHARS = re.compile(r"[A-Za-z0-9 \n,.;:?!'\"()/%$@=+-]*")
_LINE_START = re.compile(r"^(?:[^A-Za-z0-9@(\"'\n]|[0-9]+[.)])", re.MULTILINE)
_EMAIL = re.compile(r"[A-Za-z0-9.+/=-]@")
_LINKED = ("www.", "://", "mailto:", "xmpp:")  # looked for in the text in lower case
_PARAGRAPHS = re.compile(r"\n\n+")
# Both checks are single regular-expression passes without backtracking over a bounded text,
# a few microseconds: cheap enough for the event loop. Longer posts go to the pool.
PLAIN_MAX = 4096


def plain_html(text):
    """The HTML to_html gives for text, when text is plain enough to know it without parsing
    (see _PLAIN_CHARS); else None."""
    if len(text) > PLAIN_MAX or _PLAIN_CHARS.fullmatch(text) is None or _LINE_START.search(text):
        return None
    lower = text.lower()
    if any(linked in lower for linked in _LINKED) or ("@" in text and _EMAIL.search(text)):
        return None
    text = "\n".join(line.rstrip(" ") for line in text.split("\n")).strip("\n")
    if not text:
        return None
    return "".join(f"<p>{paragraph.replace(chr(10), '<br>' + chr(10))}</p>\n" for paragraph in _PARAGRAPHS.split(text))


def plain(text):
    """What a post shows while its HTML is not made yet (a row written before this column
    existed, until the upgrade's backfill reaches it): its text, escaped, line breaks kept.
    Linear and cheap, so it may run on a request."""
    return Markup("<p>") + escape(text or "").replace("\n", Markup("<br>\n")) + Markup("</p>")


def post_html(post):
    """The Jinja filter: a post's stored HTML (already sanitized), else its plain text."""
    html = post.get("html")
    return Markup(html) if html is not None else plain(post.get("content"))


class Renderer:
    """The pool that renders Markdown before a write: a couple of threads of its own, so a
    burst of large posts waits here, not in the database readers or the writer."""

    def __init__(self, threads=2):
        self._pool = ThreadPoolExecutor(threads, "markdown")

    async def render(self, text):
        return await asyncio.get_running_loop().run_in_executor(self._pool, to_html, text)

    def start(self, text):
        """The rendering begun, as a concurrent future: hand it to Hub.write as the html
        argument and the write is queued straight from this pool, without a trip through
        the event loop in between. Plain text (plain_html) is answered at once, as a str:
        most agents' posts are, and a hop to this pool cost them more than the writer did."""
        html = plain_html(text)
        return html if html is not None else self._pool.submit(to_html, text)

    def close(self):
        self._pool.shutdown(wait=False, cancel_futures=True)
