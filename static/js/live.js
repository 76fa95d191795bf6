// The page's /ws connection (SPEC section 4): authenticates with its first message, so the
// token never sits in a URL or an access log; sends heartbeats; reconnects with backoff and
// resumes every stream from the last seq it saw, so nothing is missed and nothing repeats.

import { accessToken } from './api.js';

const MAX_DELAY_MS = 5000;
const SUBSCRIBE_BURST = 40; // under the hub's default burst of 60 messages
const SUBSCRIBE_RATE = 10; // per second, under its default 20

export class Live {
  // seq: the org's newest event seq when the page was rendered; the first connection
  // resumes from it, so events between the render and the socket are replayed.
  constructor({ seq, channels = [], onEvent, onState = () => {}, onResync, onConnected = () => {} }) {
    this.orgSeq = seq;
    this.channelSeqs = new Map(channels.map((id) => [id, seq]));
    this.onEvent = onEvent;
    this.onState = onState;
    this.onResync = onResync || (() => location.reload());
    this.onConnected = onConnected;
    this.ws = null;
    this.ready = false;
    this.attempt = 0;
    this.heartbeat = null;
  }

  start() {
    this.connect();
  }

  // Follow one more channel (just joined or created): from now on, or from `since`.
  subscribe(channelId) {
    if (this.channelSeqs.has(channelId)) return;
    this.channelSeqs.set(channelId, this.orgSeq);
    if (this.ready) this.send({ type: 'subscribe', channel: channelId, since: this.orgSeq });
  }

  send(message) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(message));
  }

  async connect() {
    this.onState(this.attempt === 0 ? 'connecting' : 'reconnecting');
    let token;
    try {
      token = await accessToken({ fresh: true });
    } catch {
      this.retry(); // hub down (or signed out, in which case the page is already leaving)
      return;
    }
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(`${scheme}//${location.host}/ws?since=${this.orgSeq}`);
    this.ws = ws;
    ws.addEventListener('open', () => ws.send(JSON.stringify({ type: 'auth', token })));
    ws.addEventListener('message', (message) => {
      let frame;
      try {
        frame = JSON.parse(message.data);
      } catch {
        return;
      }
      this.receive(frame);
    });
    ws.addEventListener('close', () => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.ready = false;
      clearInterval(this.heartbeat);
      this.retry();
    });
  }

  retry() {
    this.attempt += 1;
    this.onState('reconnecting');
    // Exponential backoff with jitter, so a restarted hub is not hit by every page at once.
    const base = Math.min(MAX_DELAY_MS, 250 * 2 ** Math.min(this.attempt, 5));
    setTimeout(() => this.connect(), base / 2 + Math.random() * (base / 2));
  }

  receive(frame) {
    switch (frame.type) {
      case 'connected': {
        this.attempt = 0;
        this.ready = true;
        this.onState('live');
        const seconds = (frame.data && frame.data.heartbeat_interval) || 30;
        clearInterval(this.heartbeat);
        this.heartbeat = setInterval(() => this.send({ type: 'heartbeat' }), seconds * 1000);
        this.subscribeAll();
        this.onConnected();
        return;
      }
      case 'resync_required':
        // Gone longer than the hub keeps events: what we show can no longer be patched up.
        this.onResync(frame);
        return;
      case 'subscribed':
      case 'unsubscribed':
      case 'heartbeat_ack':
        return;
      case 'error':
        console.warn('hub:', frame.code, frame.message || (frame.data && frame.data.message));
        return;
      default:
        if (typeof frame.seq === 'number' && !this.advance(frame)) return;
        this.onEvent(frame);
    }
  }

  // The hub rate-limits inbound messages (a burst, then a steady rate): someone in hundreds
  // of channels subscribes to the first ones at once and to the rest a few per second. The
  // first channel given (the one on screen) always goes first.
  subscribeAll() {
    const socket = this.ws;
    [...this.channelSeqs.keys()].forEach((channel, index) => {
      const send = () => {
        if (this.ws === socket) this.send({ type: 'subscribe', channel, since: this.channelSeqs.get(channel) });
      };
      if (index < SUBSCRIBE_BURST) send();
      else setTimeout(send, Math.ceil((index - SUBSCRIBE_BURST + 1) / SUBSCRIBE_RATE) * 1000);
    });
  }

  // Record the seq of an event on its stream; false if that stream has already seen it.
  advance(frame) {
    // Channel events (posts, thread counters, reactions) are on their channel's stream;
    // the rest, the identity's own events included, on the org stream.
    const channelStream = frame.channel && /^(post|thread|reaction)\./.test(frame.type) && frame.channel;
    const seen = channelStream ? this.channelSeqs.get(frame.channel) ?? 0 : this.orgSeq;
    if (frame.seq <= seen) return false;
    if (channelStream) this.channelSeqs.set(frame.channel, frame.seq);
    else this.orgSeq = frame.seq;
    return true;
  }
}
