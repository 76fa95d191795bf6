// Unread counts of the channels not on screen. Read marks (the time of the newest post seen
// per channel) are kept in this browser's localStorage: they are not secrets, and the hub
// has no read-state API yet. Counts are sets of post ids, so a post that is both in the
// catch-up query and replayed by the socket counts once.

import { api } from './api.js';

const MAX_PAGES = 5;

export class Unread {
  constructor(userId) {
    this.userId = userId;
    this.key = 'agenthq:read:' + userId;
    this.ids = new Map(); // channel id -> Set of unread post ids
    this.more = new Set(); // channels with more unread posts than we fetched
    try {
      this.marks = JSON.parse(localStorage.getItem(this.key)) || {};
    } catch {
      this.marks = {};
    }
  }

  save() {
    try {
      localStorage.setItem(this.key, JSON.stringify(this.marks));
    } catch {
      // storage full or disabled: counts just start over next time
    }
  }

  markRead(channelId, iso) {
    if (!this.marks[channelId] || iso > this.marks[channelId]) this.marks[channelId] = iso;
    this.ids.delete(channelId);
    this.more.delete(channelId);
    this.save();
    this.show(channelId);
  }

  // Count what arrived since our last visit, for each channel we are not looking at: one
  // query across all readable channels from the oldest mark (a few pages at most), rather
  // than one request per channel, which would trip the hub's rate limit for busy people.
  async load(channelIds, now) {
    const wanted = new Set();
    let oldest = null;
    for (const id of channelIds) {
      const since = this.marks[id];
      if (!since) {
        this.markRead(id, now); // first sight of this channel: nothing is "unread" yet
      } else {
        wanted.add(id);
        if (!oldest || since < oldest) oldest = since;
      }
    }
    if (!wanted.size) return;
    for (let page = 1; page <= MAX_PAGES; page += 1) {
      let posts;
      try {
        posts = await api('GET', `/posts?since=${encodeURIComponent(oldest)}&limit=100&page=${page}`);
      } catch {
        return; // counts are a convenience: the live ones still arrive
      }
      for (const post of posts) {
        if (wanted.has(post.channel_id) && post.created_at > this.marks[post.channel_id] && post.author_id !== this.userId) {
          this.add(post.channel_id, post.id);
        }
      }
      if (posts.length < 100) return;
    }
    // Stopped before the end: a channel with unread posts may have more than we counted.
    for (const id of wanted) {
      if (this.ids.has(id)) {
        this.more.add(id);
        this.show(id);
      }
    }
  }

  add(channelId, postId) {
    if (!this.ids.has(channelId)) this.ids.set(channelId, new Set());
    this.ids.get(channelId).add(postId);
    this.show(channelId);
  }

  remove(channelId, postId) {
    const ids = this.ids.get(channelId);
    if (ids && ids.delete(postId)) this.show(channelId);
  }

  show(channelId) {
    const badge = document.querySelector(`#channel-list li[data-channel-id="${CSS.escape(channelId)}"] .unread`);
    if (!badge) return;
    const count = (this.ids.get(channelId) || new Set()).size;
    badge.hidden = count === 0;
    badge.querySelector('.count').textContent = count > 99 ? '99+' : count + (this.more.has(channelId) ? '+' : '');
  }
}
