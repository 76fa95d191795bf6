// The Integrations page (owners and admins): outgoing webhooks with their delivery log and a
// test ping, incoming hooks, invites. Everything goes through the REST API; a secret, hook URL
// or invite URL is shown once in one panel and leaves the page when dismissed. Lists are built
// with textContent only: URLs, names and emails are data, never markup.

import { api } from './api.js';
import { copyFrom } from './clipboard.js';
import { renderTime } from './time.js';
import { showError, startPage } from './ui.js';

const panel = document.getElementById('secret-panel');
const DELIVERY_REFRESH_MS = 3000; // deliveries have no event of their own: an open log is re-read

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = text;
  return node;
}

function button(label, action, aria, extraClass = '') {
  const b = el('button', ('small ' + extraClass).trim(), label);
  b.type = 'button';
  b.dataset.action = action;
  if (aria) b.setAttribute('aria-label', aria);
  return b;
}

function time(iso) {
  const t = el('time');
  if (iso) t.setAttribute('datetime', iso);
  renderTime(t);
  return t;
}

// -- the shown-once panel ---------------------------------------------------------------------

function showSecret(heading, value, extraHeading = '', snippet = '') {
  document.getElementById('secret-heading').textContent = heading;
  document.getElementById('secret-value').value = value;
  document.getElementById('secret-extra').hidden = !snippet;
  document.getElementById('secret-extra-heading').textContent = extraHeading;
  document.getElementById('secret-snippet').textContent = snippet;
  panel.querySelector('.copy-status').textContent = '';
  panel.hidden = false;
  panel.scrollIntoView({ block: 'nearest' });
  panel.focus();
}

function hideSecret() {
  panel.hidden = true;
  document.getElementById('secret-value').value = '';
  document.getElementById('secret-snippet').textContent = '';
}

function copy(targetId) {
  return copyFrom(document.getElementById(targetId), panel.querySelector('.copy-status'));
}

function shellQuote(text) {
  return "'" + text.replaceAll("'", "'\\''") + "'";
}

// -- outgoing webhooks ------------------------------------------------------------------------

const webhookList = document.getElementById('webhook-list');

function webhookItem(hook) {
  const li = el('li', 'integration');
  li.dataset.webhookId = hook.id;
  const head = el('div', 'integration-head');
  head.append(el('code', 'hook-url', hook.url), el('span', 'state tag', hook.active ? 'active' : 'paused'));
  li.append(head, el('p', 'muted events', 'Events: ' + hook.events.join(', ')));
  const actions = el('div', 'agent-actions');
  actions.append(
    button(hook.active ? 'Pause' : 'Resume', 'toggle-webhook', `${hook.active ? 'Pause' : 'Resume'} webhook ${hook.url}`),
    button('Send test', 'test-webhook', `Send a test to ${hook.url}`),
    button('Deliveries', 'show-deliveries', `Deliveries of ${hook.url}`),
    button('Delete', 'delete-webhook', `Delete webhook ${hook.url}`, 'danger'),
  );
  actions.querySelector('[data-action="show-deliveries"]').setAttribute('aria-expanded', 'false');
  li.append(actions, el('p', 'test-result muted'));
  li.querySelector('.test-result').setAttribute('role', 'status');
  const log = el('div', 'deliveries');
  log.hidden = true;
  li.append(log);
  return li;
}

async function loadWebhooks() {
  const hooks = await api('GET', '/webhooks?limit=100');
  const open = new Set([...webhookList.querySelectorAll('.deliveries:not([hidden])')].map((d) => d.closest('li').dataset.webhookId));
  webhookList.replaceChildren(...hooks.map(webhookItem));
  if (!hooks.length) webhookList.append(el('li', 'empty muted', 'No outgoing webhooks yet.'));
  for (const id of open) {
    const li = webhookList.querySelector(`[data-webhook-id="${CSS.escape(id)}"]`);
    if (li) toggleDeliveries(li, true);
  }
}

function deliveryRow(d) {
  const tr = el('tr');
  tr.dataset.deliveryId = d.id;
  tr.dataset.status = d.status;
  tr.append(
    el('td', 'event', d.event),
    el('td', 'status', d.status),
    el('td', 'attempts', String(d.attempts)),
    el('td', 'code', d.response_status === null || d.response_status === undefined ? '—' : String(d.response_status)),
    el('td', 'error', d.error || ''),
  );
  const when = el('td');
  when.append(time(d.delivered_at || d.last_attempt_at || d.created_at));
  tr.append(when);
  return tr;
}

async function loadDeliveries(li) {
  const log = li.querySelector('.deliveries');
  const rows = await api('GET', `/webhooks/${encodeURIComponent(li.dataset.webhookId)}/deliveries?limit=20`);
  if (!rows.length) {
    log.replaceChildren(el('p', 'muted empty', 'No deliveries yet.'));
    return;
  }
  const table = el('table', 'activity deliveries-table');
  const head = el('tr');
  for (const name of ['Event', 'Status', 'Attempts', 'HTTP', 'Error', 'When']) {
    const th = el('th', '', name);
    th.scope = 'col';
    head.append(th);
  }
  const thead = el('thead');
  thead.append(head);
  const body = el('tbody');
  body.append(...rows.map(deliveryRow));
  table.append(thead, body);
  log.replaceChildren(table);
}

function toggleDeliveries(li, open) {
  const log = li.querySelector('.deliveries');
  log.hidden = !open;
  li.querySelector('[data-action="show-deliveries"]').setAttribute('aria-expanded', String(open));
  if (open) loadDeliveries(li).catch((error) => log.replaceChildren(el('p', 'form-error', error.message)));
}

setInterval(() => {
  for (const log of webhookList.querySelectorAll('.deliveries:not([hidden])')) loadDeliveries(log.closest('li')).catch(() => {});
}, DELIVERY_REFRESH_MS);

const webhookForm = document.getElementById('webhook-form');
webhookForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  const data = new FormData(webhookForm);
  const events = data.getAll('events');
  if (!events.length) {
    showError(webhookForm, 'Pick at least one event (or All events).');
    return;
  }
  const body = { url: data.get('url').trim(), events };
  if (data.get('secret')) body.secret = data.get('secret');
  try {
    const hook = await api('POST', '/webhooks', body);
    webhookForm.reset();
    showError(webhookForm, '');
    showSecret(`Signing secret for ${hook.url}`, hook.secret, 'Check a delivery in your receiver (Python)',
      'import hmac, hashlib\n'
      + 'expected = "sha256=" + hmac.new(SECRET.encode(), body_bytes, hashlib.sha256).hexdigest()\n'
      + 'ok = hmac.compare_digest(expected, headers["X-AgentHQ-Signature"])');
    await loadWebhooks();
  } catch (error) {
    showError(webhookForm, error.message);
  }
});

async function webhookAction(action, li) {
  const id = encodeURIComponent(li.dataset.webhookId);
  const url = li.querySelector('.hook-url').textContent;
  if (action === 'show-deliveries') {
    toggleDeliveries(li, li.querySelector('.deliveries').hidden);
  } else if (action === 'toggle-webhook') {
    const active = li.querySelector('.state').textContent !== 'active';
    await api('PATCH', `/webhooks/${id}`, { active });
    await loadWebhooks();
  } else if (action === 'test-webhook') {
    const result = li.querySelector('.test-result');
    result.textContent = 'Sending…';
    const answer = await api('POST', `/webhooks/${id}/test`);
    result.textContent = answer.delivered
      ? `Test delivered: HTTP ${answer.response_status} in ${answer.duration_ms} ms`
      : `Test not delivered: ${answer.error || 'HTTP ' + answer.response_status}`;
    if (!li.querySelector('.deliveries').hidden) await loadDeliveries(li);
  } else if (action === 'delete-webhook' && confirm(`Delete the webhook to ${url}? Nothing more is sent to it.`)) {
    await api('DELETE', `/webhooks/${id}`);
    await loadWebhooks();
  }
}

// -- incoming webhooks ------------------------------------------------------------------------

const incomingList = document.getElementById('incoming-list');
const incomingForm = document.getElementById('incoming-form');
const channelNames = new Map([...incomingForm.elements.channel_id.options].map((o) => [o.value, o.textContent]));

function incomingItem(hook) {
  const li = el('li', 'integration');
  li.dataset.hookId = hook.id;
  const head = el('div', 'integration-head');
  head.append(el('strong', 'hook-name', hook.name), el('span', 'muted', '→ ' + (channelNames.get(hook.channel_id) || 'a channel')));
  li.append(head);
  if (hook.description) li.append(el('p', 'description', hook.description));
  const used = el('p', 'muted', 'Last used: ');
  used.append(time(hook.last_used_at));
  li.append(used);
  const actions = el('div', 'agent-actions');
  actions.append(
    button('Rotate URL', 'rotate-hook', `Rotate the URL of ${hook.name}`),
    button('Delete', 'delete-hook', `Delete incoming webhook ${hook.name}`, 'danger'),
  );
  li.append(actions);
  return li;
}

async function loadIncoming() {
  const hooks = await api('GET', '/incoming-webhooks?limit=100');
  incomingList.replaceChildren(...hooks.map(incomingItem));
  if (!hooks.length) incomingList.append(el('li', 'empty muted', 'No incoming webhooks yet.'));
}

function showHookUrl(result) {
  const curl = `curl -s -X POST ${shellQuote(result.url)} \\\n  -H 'Content-Type: application/json' \\\n  -d '{"text": "deploy done"}'`;
  showSecret(`URL of ${result.hook.name}`, result.url, 'Post to it with curl', curl);
}

incomingForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  const data = new FormData(incomingForm);
  const body = { name: data.get('name').trim(), channel_id: data.get('channel_id') };
  if (data.get('description').trim()) body.description = data.get('description').trim();
  try {
    const result = await api('POST', '/incoming-webhooks', body);
    incomingForm.reset();
    showError(incomingForm, '');
    showHookUrl(result);
    await loadIncoming();
  } catch (error) {
    showError(incomingForm, error.message);
  }
});

async function incomingAction(action, li) {
  const id = encodeURIComponent(li.dataset.hookId);
  const name = li.querySelector('.hook-name').textContent;
  if (action === 'rotate-hook' && confirm(`Rotate the URL of ${name}? The old URL stops working at once.`)) {
    showHookUrl(await api('POST', `/incoming-webhooks/${id}/rotate`));
  } else if (action === 'delete-hook' && confirm(`Delete ${name}? Its URL stops working at once.`)) {
    await api('DELETE', `/incoming-webhooks/${id}`);
    await loadIncoming();
  }
}

// -- invites ----------------------------------------------------------------------------------

const inviteList = document.getElementById('invite-list');

function inviteRow(invite) {
  const tr = el('tr');
  tr.dataset.inviteId = invite.id;
  tr.append(
    el('td', 'kind', invite.invite_type === 'agent' ? 'agent' : 'person'),
    el('td', 'for', invite.email ? `${invite.email} (${invite.role})` : '—'),
    el('td', 'status', invite.status),
  );
  const expires = el('td');
  expires.append(time(invite.expires_at));
  tr.append(expires);
  const actions = el('td');
  if (invite.status === 'pending') {
    actions.append(button('Revoke', 'revoke-invite', `Revoke the ${invite.invite_type} invite ${invite.email || ''}`.trim(), 'danger'));
  }
  tr.append(actions);
  return tr;
}

async function loadInvites() {
  const invites = await api('GET', '/invites?limit=50');
  inviteList.replaceChildren(...invites.map(inviteRow));
  if (!invites.length) {
    const tr = el('tr', 'empty');
    const td = el('td', 'muted', 'No invites yet.');
    td.colSpan = 5;
    tr.append(td);
    inviteList.append(tr);
  }
}

async function createInvite(form, path, body, describe) {
  try {
    const result = await api('POST', path, body);
    form.reset();
    showError(form, '');
    describe(result);
    await loadInvites();
  } catch (error) {
    showError(form, error.message);
  }
}

const agentInviteForm = document.getElementById('agent-invite-form');
agentInviteForm.addEventListener('submit', (event) => {
  event.preventDefault();
  createInvite(agentInviteForm, '/invites/agent', {}, (result) =>
    showSecret('Agent invite URL', result.url, 'The agent connects with', `agenthq connect ${result.url}`));
});

const userInviteForm = document.getElementById('user-invite-form');
userInviteForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const data = new FormData(userInviteForm);
  const email = data.get('email').trim();
  createInvite(userInviteForm, '/invites/user', { email, role: data.get('role') }, (result) =>
    showSecret(`Invite URL for ${email}`, result.url));
});

async function inviteAction(action, tr) {
  if (action === 'revoke-invite' && confirm('Revoke this invite? Its link stops working at once.')) {
    await api('POST', `/invites/${encodeURIComponent(tr.dataset.inviteId)}/revoke`);
    await loadInvites();
  }
}

// -- wiring -----------------------------------------------------------------------------------

document.getElementById('main').addEventListener('click', async (event) => {
  const target = event.target.closest('[data-action]');
  if (!target) return;
  const action = target.dataset.action;
  if (action === 'copy') return copy(target.dataset.target);
  if (action === 'dismiss-secret') return hideSecret();
  try {
    const webhook = target.closest('[data-webhook-id]');
    const hook = target.closest('[data-hook-id]');
    const invite = target.closest('[data-invite-id]');
    if (webhook) await webhookAction(action, webhook);
    else if (hook) await incomingAction(action, hook);
    else if (invite) await inviteAction(action, invite);
  } catch (error) {
    alert(error.message);
  }
});

Promise.all([loadWebhooks(), loadIncoming(), loadInvites()]).catch((error) => alert(error.message));
startPage({
  onEvent(frame) {
    // An agent that joined through an invite: its invite is redeemed now.
    if (frame.type === 'agent.created') loadInvites().catch(() => {});
  },
});
