// Unread and mention counts of the channels in the sidebar. They come from the hub (each
// member's read pointer, SPEC section 9): the page renders them, live posts in channels not on
// screen raise them, and a `channel.read` event (this tab, another tab, another device, an
// agent's bridge) sets them to what the hub counted. Reading the channel on screen moves the
// pointer on the hub, never in this browser. Direct messages in the sidebar count the same way
// (GET /dm carries the same read state).

import { api } from './api.js';

// The sidebar entries that follow a read pointer: joined channels and DMs.
export const FOLLOWED = '#channel-list li[data-channel-id], #dm-list li[data-channel-id]';

function followed(channelId) {
  const id = CSS.escape(channelId);
  return document.querySelector(`#channel-list li[data-channel-id="${id}"], #dm-list li[data-channel-id="${id}"]`);
}

export class Unread {
  constructor(userId) {
    this.userId = userId;
    this.counts = new Map(); // channel id -> { unread, mentions }
    this.live = new Map(); // channel id -> Set of post ids counted here since the last read
    for (const li of document.querySelectorAll(FOLLOWED)) {
      this.counts.set(li.dataset.channelId, {
        unread: Number(li.dataset.unread || 0),
        mentions: Number(li.dataset.mentions || 0),
      });
    }
  }

  // The hub's word for a channel: from POST /channels/:id/read or a channel.read event.
  apply(state) {
    this.counts.set(state.channel_id, { unread: state.unread_count, mentions: state.mention_count });
    this.live.delete(state.channel_id);
    this.show(state.channel_id);
  }

  set(channelId, unread, mentions) {
    this.apply({ channel_id: channelId, unread_count: unread, mention_count: mentions });
  }

  async markRead(channelId) {
    if (!channelId || !followed(channelId)) return;
    try {
      this.apply(await api('POST', `/channels/${encodeURIComponent(channelId)}/read`, {}));
    } catch {
      // not a member (yet), or the hub is away: the counts catch up with the next read
    }
  }

  // A top-level post by someone else in a channel not on screen.
  add(channelId, postId) {
    const seen = this.live.get(channelId) || new Set();
    if (seen.has(postId)) return;
    seen.add(postId);
    this.live.set(channelId, seen);
    const count = this.counts.get(channelId) || { unread: 0, mentions: 0 };
    count.unread += 1;
    this.counts.set(channelId, count);
    this.show(channelId);
  }

  remove(channelId, postId) {
    const seen = this.live.get(channelId);
    if (!seen || !seen.delete(postId)) return;
    const count = this.counts.get(channelId);
    count.unread = Math.max(0, count.unread - 1);
    this.show(channelId);
  }

  mentioned(channelId) {
    const count = this.counts.get(channelId) || { unread: 0, mentions: 0 };
    count.mentions += 1;
    this.counts.set(channelId, count);
    this.show(channelId);
  }

  show(channelId) {
    const item = followed(channelId);
    const badge = item && item.querySelector('.unread');
    if (!badge) return;
    const { unread, mentions } = this.counts.get(channelId) || { unread: 0, mentions: 0 };
    badge.hidden = unread === 0 && mentions === 0;
    badge.querySelector('.count').textContent = unread > 99 ? '99+' : String(unread);
    const at = badge.querySelector('.mention-count');
    if (at) {
      at.hidden = mentions === 0;
      at.querySelector('.n').textContent = String(mentions);
    }
  }
}
