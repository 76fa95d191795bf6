// Reactions, pins, edit history and direct messages on the page. Cards are re-rendered by
// the server (posts.js upsert) after each change, here or announced by the socket, so counts,
// "who reacted" and the pinned mark always come from the hub.

import { api } from './api.js';
import { upsert } from './posts.js';

async function toggleReaction(card, button) {
  const id = encodeURIComponent(card.dataset.postId);
  const emoji = button.dataset.emoji;
  if (button.getAttribute('aria-pressed') === 'true') {
    await api('DELETE', `/posts/${id}/reactions/${encodeURIComponent(emoji)}`);
  } else {
    await api('POST', `/posts/${id}/reactions`, { emoji });
  }
  await upsert(card.parentElement, card.dataset.postId);
}

async function togglePin(card, button) {
  const id = encodeURIComponent(card.dataset.postId);
  await api(button.dataset.pinned === 'true' ? 'DELETE' : 'POST', `/posts/${id}/pin`);
  await upsert(card.parentElement, card.dataset.postId);
  await refreshPins(document.getElementById('app').dataset.channelId);
}

async function showEdits(card) {
  const existing = card.querySelector('.edit-history');
  if (existing) {
    existing.remove();
    return;
  }
  const edits = await api('GET', `/posts/${encodeURIComponent(card.dataset.postId)}/edits`);
  const box = document.createElement('section');
  box.className = 'edit-history';
  box.setAttribute('aria-label', 'Edit history');
  const heading = document.createElement('h4');
  heading.textContent = 'Earlier versions, newest first';
  box.append(heading);
  for (const edit of edits) {
    const item = document.createElement('div');
    item.className = 'edit-version';
    const when = document.createElement('time');
    when.dateTime = edit.created_at;
    when.textContent = new Date(edit.created_at).toLocaleString();
    const text = document.createElement('pre');
    // Text, never HTML: an old version is shown exactly as it was typed.
    text.textContent = (edit.previous_title ? edit.previous_title + '\n' : '') + edit.previous_content;
    item.append(when, text);
    box.append(item);
  }
  card.append(box);
}

async function openDm(button) {
  const channel = await api('POST', '/dm', { member_id: button.dataset.memberId, member_type: button.dataset.memberType });
  location.assign('/c/' + encodeURIComponent(channel.id));
}

// The pinned strip at the top of the channel, redrawn from the API (plain text only).
export async function refreshPins(channelId) {
  const strip = document.getElementById('pinned');
  if (!strip || !channelId) return;
  const pins = await api('GET', `/channels/${encodeURIComponent(channelId)}/pins`);
  const list = strip.querySelector('ul');
  list.replaceChildren(...pins.map((post) => {
    const item = document.createElement('li');
    const link = document.createElement('a');
    link.href = '#post-' + post.id;
    const text = post.title || post.content;
    link.textContent = '📌 ' + (text.length > 80 ? text.slice(0, 77) + '...' : text);
    item.append(link);
    return item;
  }));
  strip.hidden = pins.length === 0;
}

// Live: a reaction re-renders its post's card; a post's pin change redraws the strip.
export function onMessagingEvent(list, frame) {
  if (!list) return;
  if (frame.type === 'reaction.created' || frame.type === 'reaction.deleted') {
    if (document.getElementById('post-' + frame.data.post_id)) upsert(list, frame.data.post_id);
  } else if (frame.type === 'post.updated' || frame.type === 'post.deleted') {
    const pinnedShown = !!document.querySelector(`#pinned a[href="#post-${CSS.escape(frame.data.id)}"]`);
    if (pinnedShown !== !!(frame.type === 'post.updated' && frame.data.pinned)) refreshPins(frame.channel);
  }
}

export function wireMessaging() {
  document.addEventListener('click', (event) => {
    const button = event.target.closest('[data-action="toggle-reaction"], [data-action="toggle-pin"], '
      + '[data-action="show-edits"], [data-action="open-dm"]');
    if (!button) return;
    const card = button.closest('article.post');
    const run = {
      'toggle-reaction': () => toggleReaction(card, button),
      'toggle-pin': () => togglePin(card, button),
      'show-edits': () => showEdits(card),
      'open-dm': () => openDm(button),
    }[button.dataset.action];
    if ((button.dataset.action === 'open-dm') || card) run().catch((failure) => alert(failure.message));
  });
}
