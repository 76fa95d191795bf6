// The "Direct messages" section of the sidebar, kept live: a DM someone else opens with us
// appears (channel.created reaches only its two members), and the DM with the newest post
// moves to the top, as GET /dm orders them. Its unread counts are unread.js's, as a channel's.

import { api } from './api.js';

const list = document.getElementById('dm-list');

function item(dm) {
  const li = document.createElement('li');
  li.dataset.dmId = dm.id;
  li.dataset.channelId = dm.id;
  const link = document.createElement('a');
  link.href = '/c/' + encodeURIComponent(dm.id);
  const at = document.createElement('span');
  at.className = 'hash';
  at.setAttribute('aria-hidden', 'true');
  at.textContent = '@';
  const name = document.createElement('span');
  name.className = 'channel-name';
  name.textContent = dm.member_name; // a name is data, never markup
  link.append(at, name);
  if (dm.member_type === 'agent') {
    const tag = document.createElement('span');
    tag.className = 'tag';
    tag.textContent = 'agent';
    link.append(tag);
  }
  // The same badge as a channel's (unread.js fills it); static markup, no data in it.
  const badge = document.createElement('span');
  badge.className = 'unread';
  badge.hidden = true;
  badge.innerHTML = '<span class="visually-hidden">, </span><span class="count">0</span><span class="visually-hidden"> unread</span>'
    + '<span class="mention-count" hidden><span class="visually-hidden">, </span>@<span class="n">0</span><span class="visually-hidden"> mentions</span></span>';
  link.append(badge);
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
