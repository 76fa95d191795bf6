// What every signed-in page shares: the live connection and its indicator, the sidebar
// (channels, unread counts, agents with presence), the phone-width menu, and times.

import { api } from './api.js';
import { sidebarLink, unreadBadge } from './sidebar.js';
import { Live } from './live.js';
import { renderTime, startClock } from './time.js';
import { FOLLOWED, Unread } from './unread.js';
import { onDmCreated, onDmPost } from './dmlist.js';
import { onBellEvent, wireBell } from './bell.js';
import { wireSearchBox } from './searchbox.js';

export const app = document.getElementById('app');
export const me = { id: app.dataset.userId, org: app.dataset.orgId };
export const currentChannel = app.dataset.channelId || null;
export const unread = new Unread(me.id);

const STATES = { connecting: 'Connecting…', live: 'Live', reconnecting: 'Reconnecting…' };

function showState(state) {
  const indicator = document.getElementById('connection');
  indicator.dataset.state = state;
  indicator.textContent = STATES[state] || state;
}

export function showError(form, message) {
  const box = form.querySelector('.form-error');
  box.textContent = message || '';
  box.hidden = !message;
}

// -- agents: one list item per agent in the sidebar, kept in step with presence events -----

function agentItem(agent) {
  const list = document.getElementById('agent-list');
  let item = list.querySelector(`li[data-agent-id="${CSS.escape(agent.id)}"]`);
  if (!item) {
    list.querySelector('li.empty')?.remove();
    item = document.createElement('li');
    item.dataset.agentId = agent.id;
    const dot = document.createElement('span');
    dot.className = 'dot';
    dot.setAttribute('role', 'img');
    const name = document.createElement('span');
    name.className = 'agent-name';
    const seen = document.createElement('time');
    seen.className = 'last-seen';
    item.append(dot, name, seen);
    list.append(item);
  }
  return item;
}

// Fill an agent's dot, name and last-seen wherever it is shown. textContent only: an agent
// name is data, never markup.
export function showAgent(root, agent) {
  const dot = root.querySelector('.dot');
  dot.dataset.status = agent.status;
  dot.setAttribute('aria-label', agent.status);
  dot.title = agent.status;
  root.querySelector('.agent-name').textContent = agent.name;
  const seen = root.querySelector('.last-seen');
  // Last active: its newest request (rendered by the server) or heartbeat (in events), whichever
  // is newer; ISO strings of one format sort as times.
  seen.setAttribute('datetime', [seen.getAttribute('datetime') || '', agent.last_heartbeat || ''].sort().pop());
  renderTime(seen);
  const status = root.querySelector('.status-text');
  if (status) status.textContent = agent.status;
}

function onAgentEvent(frame) {
  const agent = frame.data;
  if (frame.type === 'agent.deleted') {
    document.querySelectorAll(`[data-agent-id="${CSS.escape(agent.id)}"]`).forEach((el) => el.remove());
    return;
  }
  showAgent(agentItem(agent), agent);
}

// An agent that just posted was active just now, whatever its last stored request says.
function sawAgent(agentId, when) {
  document.querySelectorAll(`[data-agent-id="${CSS.escape(agentId)}"] .last-seen`).forEach((seen) => {
    if (when && (seen.getAttribute('datetime') || '') < when) {
      seen.setAttribute('datetime', when);
      renderTime(seen);
    }
  });
}

// After a reconnect, presence may have changed while we were away: ask once.
async function refreshAgents() {
  try {
    const agents = await api('GET', '/agents?limit=100');
    agents.forEach((agent) => showAgent(agentItem(agent), agent));
  } catch {
    // the next event will fix it
  }
}

// -- channels -------------------------------------------------------------------------------

function channelItem(channel, joined) {
  const item = document.createElement('li');
  item.dataset.channelId = channel.id;
  const link = sidebarLink(channel.id, channel.type === 'private' ? '🔒' : '#', channel.name);
  item.append(link);
  if (joined) {
    link.append(unreadBadge());
  } else {
    const join = document.createElement('button');
    join.type = 'button';
    join.className = 'small';
    join.dataset.action = 'join-channel';
    join.dataset.channelId = channel.id;
    join.textContent = 'Join';
    join.setAttribute('aria-label', 'Join ' + channel.name);
    item.append(join);
  }
  return item;
}

function insertSorted(list, item, name) {
  const after = [...list.children].find((li) => (li.querySelector('.channel-name')?.textContent || '') > name);
  list.insertBefore(item, after || null);
}

function onChannelEvent(frame, live) {
  const channel = frame.data;
  if (channel.type === 'dm') {
    if (frame.type === 'channel.created') onDmCreated(channel, live, unread);
    return; // a DM is listed by the other member's name, never its channel name
  }
  document.querySelectorAll(`li[data-channel-id="${CSS.escape(channel.id)}"]`).forEach((li) => {
    li.querySelector('.channel-name').textContent = channel.name;
  });
  if (frame.type !== 'channel.created' || document.querySelector(`li[data-channel-id="${CSS.escape(channel.id)}"]`)) return;
  // The creator is its first member; everyone else sees a public channel under "More".
  const joined = channel.created_by === me.id || channel.type === 'private';
  const list = document.getElementById(joined ? 'channel-list' : 'more-channels');
  insertSorted(list, channelItem(channel, joined), channel.name);
  if (joined) live.subscribe(channel.id);
}

function wireChannelActions(live) {
  document.addEventListener('click', async (event) => {
    const button = event.target.closest('[data-action="join-channel"]');
    if (!button) return;
    const id = button.dataset.channelId;
    button.disabled = true;
    try {
      await api('POST', `/channels/${encodeURIComponent(id)}/join`);
    } catch (error) {
      button.disabled = false;
      alert(error.message);
      return;
    }
    if (id === currentChannel) {
      location.reload(); // the header and sidebar of this page change: simplest to re-render
      return;
    }
    const old = document.querySelector(`#more-channels li[data-channel-id="${CSS.escape(id)}"]`);
    const name = old.querySelector('.channel-name').textContent;
    old.remove();
    insertSorted(document.getElementById('channel-list'), channelItem({ id, name, type: 'public' }, true), name);
    live.subscribe(id);
    unread.set(id, 0, 0); // joining puts the read pointer at now
  });

  const form = document.getElementById('new-channel-form');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    try {
      const channel = await api('POST', '/channels', {
        name: data.get('name').trim(),
        description: data.get('description').trim(),
        type: data.get('type'),
      });
      location.assign('/c/' + encodeURIComponent(channel.id));
    } catch (error) {
      showError(form, error.message);
    }
  });
}

// -- the phone-width menu ---------------------------------------------------------------------

function wireMenu() {
  const toggle = document.querySelector('.menu-toggle');
  const sidebar = document.getElementById('sidebar');
  const set = (open) => {
    toggle.setAttribute('aria-expanded', String(open));
    sidebar.classList.toggle('open', open);
  };
  toggle.addEventListener('click', () => set(toggle.getAttribute('aria-expanded') !== 'true'));
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') set(false);
  });
  document.addEventListener('click', (event) => {
    if (sidebar.classList.contains('open') && !sidebar.contains(event.target) && !toggle.contains(event.target)) set(false);
  });
}

// -- start ----------------------------------------------------------------------------------

export function joinedChannels() {
  return [...document.querySelectorAll(FOLLOWED)].map((li) => li.dataset.channelId);
}

// Start the page: subscribe to the joined channels (for unread counts) and the one on screen.
export function startPage({ onEvent = () => {}, onConnected = () => {} } = {}) {
  startClock();
  wireMenu();
  const channels = new Set(currentChannel ? [currentChannel] : []);
  joinedChannels().forEach((id) => channels.add(id));
  let connections = 0;
  const live = new Live({
    seq: Number(app.dataset.seq),
    channels: [...channels],
    onState: showState,
    onConnected: () => {
      if (connections++ > 0) refreshAgents();
      onConnected();
    },
    onEvent: (frame) => {
      if (frame.type === 'post.created' && frame.data.author_type === 'agent') sawAgent(frame.data.author_id, frame.timestamp);
      onBellEvent(frame);
      if (frame.type === 'post.created') onDmPost(frame);
      if (frame.type.startsWith('agent.')) onAgentEvent(frame);
      else if (frame.type === 'channel.read') unread.apply(frame.data);
      else if (frame.type.startsWith('channel.')) onChannelEvent(frame, live);
      else if (frame.type.startsWith('post.') && frame.channel !== currentChannel) onOtherChannelPost(frame);
      else if (frame.type === 'notification.created' && frame.data.type === 'mention'
               && frame.data.channel_id !== currentChannel) unread.mentioned(frame.data.channel_id);
      onEvent(frame);
    },
  });
  wireChannelActions(live);
  wireBell();
  wireSearchBox();
  live.start();
  return live;
}

function onOtherChannelPost(frame) {
  const post = frame.data;
  if (frame.type === 'post.created' && post.author_id !== me.id && !post.parent_id) unread.add(frame.channel, post.id);
  if (frame.type === 'post.deleted') unread.remove(frame.channel, post.id);
}
