// Unread counts of the channels not on screen. Read marks (the time of the newest post seen
// per channel) are kept in this browser's localStorage: they are not secrets, and the hub
// has no read-state API yet. Counts are sets of post ids, so a post that is both in the
// catch-up query and replayed by the socket counts once.

import { api } from './api.js';

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

  // Count what arrived since our last visit, for each channel we are not looking at.
  async load(channelIds, now) {
    await Promise.all(
      channelIds.map(async (id) => {
        const since = this.marks[id];
        if (!since) {
          this.markRead(id, now); // first sight of this channel: nothing is "unread" yet
          return;
        }
        try {
          const posts = await api('GET', `/posts?channel_id=${encodeURIComponent(id)}&since=${encodeURIComponent(since)}&limit=100`);
          for (const post of posts) if (post.author_id !== this.userId) this.add(id, post.id);
          if (posts.length === 100) this.more.add(id);
          this.show(id);
        } catch {
          // a channel we can no longer read: no count
        }
      }),
    );
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
    badge.querySelector('.count').textContent = this.more.has(channelId) || count > 99 ? '99+' : String(count);
  }
}
