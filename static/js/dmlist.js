// The "Direct messages" section of the sidebar, kept live: a DM someone else opens with us
// appears (channel.created reaches only its two members), and the DM with the newest post
// moves to the top, as GET /dm orders them. Its unread counts are unread.js's, as a channel's.

import { api } from './api.js';
import { sidebarLink, unreadBadge } from './sidebar.js';

const list = document.getElementById('dm-list');

function item(dm) {
  const li = document.createElement('li');
  li.dataset.dmId = dm.id;
  li.dataset.channelId = dm.id;
  const link = sidebarLink(dm.id, '@', dm.member_name);
  if (dm.member_type === 'agent') {
    const tag = document.createElement('span');
    tag.className = 'tag';
    tag.textContent = 'agent';
    link.append(tag);
  }
  link.append(unreadBadge());
  li.append(link);
  return li;
}

function entry(channelId) {
  return list && list.querySelector(`li[data-channel-id="${CSS.escape(channelId)}"]`);
}

// channel.created of a DM: follow it at once (its posts from this seq on are unread, since
// the hub put our pointer at its creation), then ask GET /dm for the other member's name.
export async function onDmCreated(channel, live, unread) {
  if (!list || entry(channel.id)) return;
  live.subscribe(channel.id);
  let dm;
  try {
    dm = (await api('GET', '/dm')).find((found) => found.id === channel.id);
  } catch {
    return; // the next page load lists it
  }
  if (!dm || entry(channel.id)) return;
  list.querySelector('li.empty')?.remove();
  list.prepend(item(dm));
  unread.show(channel.id); // posts that arrived while we asked are already counted
}

export function onDmPost(frame) {
  const li = frame.type === 'post.created' && entry(frame.channel);
  if (li && li !== list.firstElementChild) list.prepend(li);
}
