// The Tasks board: columns open / in progress / done, filters, create and edit dialogs, live
// updates from task events, each claimed task's lease as a countdown, and the open task's
// history (from the hub's event log), re-read whenever an event about that task arrives.

import { api, signIn } from './api.js';
import { renderTime } from './time.js';
import { showError, startPage } from './ui.js';

const tasks = new Map(JSON.parse(document.getElementById('task-data').textContent).map((t) => [t.id, t]));
const names = JSON.parse(document.getElementById('name-data').textContent);
const filters = document.getElementById('task-filters');
const dialog = document.getElementById('task-dialog');
const form = document.getElementById('task-form');
let editing = null; // the id of the task in the dialog, or null for a new one
const history = document.getElementById('task-history');
let historyReads = 0; // a slower, older read never overwrites a newer one

function column(task) {
  if (task.status === 'open') return 'open';
  if (task.status === 'in_progress') return 'in_progress';
  return 'done';
}

function shown(task) {
  const f = new FormData(filters);
  const assignee = f.get('assignee');
  if (assignee === 'none' ? task.assigned_to : assignee && task.assigned_to !== assignee) return false;
  if (f.get('channel') && task.channel_id !== f.get('channel')) return false;
  if (f.get('priority') && task.priority !== f.get('priority')) return false;
  return true;
}

function leaseText(task, now = Date.now()) {
  if (!task.lease_expires_at) return '';
  const left = Math.round((Date.parse(task.lease_expires_at) - now) / 1000);
  if (left <= 0) return 'lease expired';
  const minutes = Math.floor(left / 60);
  return `lease ${minutes ? minutes + 'm ' : ''}${left % 60}s left`;
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

// Built with textContent only: titles and names come from anyone in the organization.
function card(task) {
  const li = el('li', 'task-card');
  li.dataset.taskId = task.id;
  li.dataset.priority = task.priority;
  const title = el('button', 'task-title link-button', task.title);
  title.type = 'button';
  title.dataset.action = 'edit-task';
  title.setAttribute('aria-label', `Edit task ${task.title}`);
  li.append(title);
  const meta = el('p', 'task-meta muted');
  meta.append(el('span', 'task-priority', task.priority));
  meta.append(el('span', 'task-assignee', task.assigned_to ? (names[task.assigned_to] || task.assigned_to) : 'unassigned'));
  if (task.due_date) meta.append(el('span', 'task-due', 'due ' + task.due_date.slice(0, 10)));
  li.append(meta);
  if (task.lease_expires_at && task.status === 'in_progress') {
    const lease = el('p', 'task-lease', leaseText(task));
    lease.dataset.expires = task.lease_expires_at;
    li.append(lease);
  }
  return li;
}

function render() {
  const order = [...tasks.values()].sort((a, b) => (a.id < b.id ? 1 : -1)); // newest first
  for (const list of document.querySelectorAll('[data-column]')) list.replaceChildren();
  for (const task of order) {
    if (!shown(task)) continue;
    document.querySelector(`[data-column="${column(task)}"]`).append(card(task));
  }
}

function tick() {
  const now = Date.now();
  for (const lease of document.querySelectorAll('.task-lease[data-expires]')) {
    lease.textContent = leaseText({ lease_expires_at: lease.dataset.expires }, now);
  }
}

async function loadHistory(taskId) {
  const read = ++historyReads;
  const response = await fetch(`/ui/tasks/${encodeURIComponent(taskId)}/history`, { credentials: 'same-origin' });
  if (response.status === 401) return signIn();
  if (read !== historyReads || editing !== taskId) return;
  const list = history.querySelector('.history-list');
  if (!response.ok) {
    list.replaceChildren(el('li', 'muted', 'The history could not be read.'));
    return;
  }
  const { entries } = await response.json();
  if (read !== historyReads || editing !== taskId) return;
  list.replaceChildren(...entries.map((entry) => {
    const li = el('li', 'history-entry');
    li.dataset.type = entry.type;
    if (entry.at) {
      const when = el('time');
      when.setAttribute('datetime', entry.at);
      renderTime(when);
      li.append(when, ' ');
    }
    li.append(el('span', 'history-text', entry.text));
    return li;
  }));
}

function openDialog(task) {
  editing = task ? task.id : null;
  form.reset();
  document.getElementById('task-dialog-heading').textContent = task ? 'Edit task' : 'New task';
  form.querySelector('.form-error').hidden = true;
  if (task) {
    form.elements.title.value = task.title;
    form.elements.description.value = task.description || '';
    form.elements.priority.value = task.priority;
    form.elements.status.value = task.status;
    form.elements.assigned_to.value = task.assigned_to || '';
    form.elements.channel_id.value = task.channel_id || '';
    form.elements.due_date.value = task.due_date ? task.due_date.slice(0, 10) : '';
  }
  history.hidden = !task;
  history.querySelector('.history-list').replaceChildren();
  if (task) loadHistory(task.id);
  dialog.showModal();
  form.elements.title.focus();
}

async function save(event) {
  event.preventDefault();
  const f = new FormData(form);
  const body = {
    title: f.get('title'),
    description: f.get('description') || null,
    priority: f.get('priority'),
    status: f.get('status'),
    assigned_to: f.get('assigned_to') || null,
    channel_id: f.get('channel_id') || null,
    due_date: f.get('due_date') || null,
  };
  try {
    const task = editing ? await api('PATCH', `/tasks/${editing}`, body) : await api('POST', '/tasks', body);
    tasks.set(task.id, task);
    render();
    dialog.close();
  } catch (error) {
    showError(form, error.message);
  }
}

function onEvent(frame) {
  if (!frame.type.startsWith('task.')) return;
  const { previous_assignee: _, ...task } = frame.data;
  if (frame.type === 'task.deleted') tasks.delete(task.id);
  else tasks.set(task.id, task);
  render();
  if (editing === task.id && dialog.open && frame.type !== 'task.deleted') loadHistory(task.id);
}

document.querySelector('[data-action="new-task"]').addEventListener('click', () => openDialog(null));
form.querySelector('[data-action="close-dialog"]').addEventListener('click', () => dialog.close());
dialog.addEventListener('close', () => {
  editing = null;
});
form.addEventListener('submit', save);
filters.addEventListener('change', render);
document.getElementById('board').addEventListener('click', (event) => {
  const button = event.target.closest('[data-action="edit-task"]');
  if (button) openDialog(tasks.get(button.closest('[data-task-id]').dataset.taskId));
});
render();
// A link to one task (a search result, a task_assigned notification: /tasks#task-<id>) opens
// it in its dialog, also when the bell is clicked on this very page, which changes only the hash.
function openLinked() {
  const linked = location.hash.startsWith('#task-') && tasks.get(decodeURIComponent(location.hash.slice(6)));
  if (linked && !dialog.open) openDialog(linked);
}
openLinked();
window.addEventListener('hashchange', openLinked);
setInterval(tick, 1000);
startPage({ onEvent });
