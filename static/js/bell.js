// The notification bell (SPEC section 8.2): the unread count, a list that marks read, kept
// live by notification.created and notification.read, which only this person's own
// connections ever receive.

import { api } from './api.js';
import { renderTimes } from './time.js';

const button = document.getElementById('bell');
const box = document.getElementById('bell-list');

let shown = 0;

function showCount(count) {
  shown = count;
  const badge = button.querySelector('.bell-count');
  badge.hidden = !count;
  badge.textContent = count > 99 ? '99+' : String(count);
  button.setAttribute('aria-label', count ? `Notifications, ${count} unread` : 'Notifications');
}

function item(note) {
  const li = document.createElement('li');
  li.dataset.notificationId = note.id;
  li.className = note.read ? '' : 'unread-note';
  const open = document.createElement('button');
  open.type = 'button';
  open.className = 'link-button';
  open.dataset.action = 'open-notification';
  open.textContent = note.title;
  const body = document.createElement('div');
  body.className = 'muted';
  body.textContent = note.body || '';
  const when = document.createElement('time');
  when.setAttribute('datetime', note.created_at);
  li.append(open, body, when);
  li.note = note;
  return li;
}

async function refresh() {
  try {
    showCount((await api('GET', '/notifications/unread-count')).count);
  } catch {
    // the count comes back with the next event or reload
  }
}

async function fill() {
  const notes = await api('GET', '/notifications?limit=20');
  const items = box.querySelector('.bell-items');
  items.replaceChildren(...notes.map(item));
  box.querySelector('.bell-empty').hidden = notes.length > 0;
  renderTimes(items);
}

export function onBellEvent(frame) {
  if (!button) return;
  if (frame.type === 'notification.created') {
    showCount(shown + 1); // at once; the hub's count follows (and wins)
    refresh();
    if (!box.hidden) fill();
  } else if (frame.type === 'notification.read') {
    showCount(frame.data.unread_count);
    if (!box.hidden) fill();
  }
}

export function wireBell() {
  if (!button) return;
  refresh();
  button.addEventListener('click', async () => {
    const open = box.hidden;
    box.hidden = !open;
    button.setAttribute('aria-expanded', String(open));
    if (open) await fill();
  });
  box.addEventListener('click', async (event) => {
    if (event.target.closest('[data-action="read-all"]')) {
      showCount(0);
      await api('POST', '/notifications/read-all');
      await fill();
      return;
    }
    const opened = event.target.closest('[data-action="open-notification"]');
    if (!opened) return;
    const note = opened.closest('li').note;
    if (!note.read) {
      await api('PATCH', `/notifications/${encodeURIComponent(note.id)}/read`);
    }
    if (note.source_type === 'task') location.assign('/tasks#task-' + encodeURIComponent(note.source_id));
    else if (note.channel_id) location.assign('/c/' + encodeURIComponent(note.channel_id) + (note.post_id ? '#post-' + note.post_id : ''));
  });
}
