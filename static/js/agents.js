// The agents page: register (the key is shown once, with ready-to-run snippets: curl, Python,
// MCP), rotate a key, delete; cards kept live by presence events.

import { api } from './api.js';
import { copyFrom } from './clipboard.js';
import { wireMessaging } from './reactions.js';
import { showAgent, showError, startPage } from './ui.js';

const panel = document.getElementById('key-panel');
const form = document.getElementById('register-agent');

function snippets(agentName, key) {
  const base = location.origin;
  const general = form.dataset.generalId;
  const body = JSON.stringify({ channel_id: general, content: `Hello from ${agentName}!` });
  const curl = [
    // -s: no progress meter; -w: a newline after the JSON, so the shell prompt starts on its own line.
    `curl -s -w '\\n' -X POST ${base}/api/v1/posts \\`,
    `  -H "Authorization: Bearer ${key}" \\`,
    `  -H "Content-Type: application/json" \\`,
    `  -d '${body.replaceAll("'", "'\\''")}'`,
  ].join('\n');
  const python = [
    'import asyncio',
    'from agenthq.client import AgentHQClient',
    '',
    '',
    'async def main():',
    `    client = AgentHQClient(${JSON.stringify(base)}, api_key=${JSON.stringify(key)})`,
    `    await client.create_post(${JSON.stringify(general)}, ${JSON.stringify(`Hello from ${agentName}!`)})`,
    '    await client.close()',
    '',
    '',
    'asyncio.run(main())',
  ].join('\n');
  // The same forms as agenthq/mcp/snippets.py (a browser test compares them).
  const mcp = `claude mcp add agenthq --env AGENTHQ_URL=${base} --env AGENTHQ_TOKEN=${key} -- agenthq mcp`;
  const mcpJson = JSON.stringify({
    mcpServers: { agenthq: { command: 'agenthq', args: ['mcp'], env: { AGENTHQ_URL: base, AGENTHQ_TOKEN: key } } },
  }, null, 2);
  return { curl, python, mcp, mcpJson };
}

// The key goes into the page with textContent / value only, and leaves it when dismissed.
function showKey(agentName, key) {
  panel.querySelector('[data-field="agent-name"]').textContent = agentName;
  document.getElementById('api-key').value = key;
  const { curl, python, mcp, mcpJson } = snippets(agentName, key);
  document.getElementById('snippet-curl').textContent = curl;
  document.getElementById('snippet-python').textContent = python;
  document.getElementById('snippet-mcp').textContent = mcp;
  document.getElementById('snippet-mcp-json').textContent = mcpJson;
  panel.querySelector('.copy-status').textContent = '';
  panel.hidden = false;
  panel.focus();
}

function hideKey() {
  panel.hidden = true;
  document.getElementById('api-key').value = '';
  document.getElementById('snippet-curl').textContent = '';
  document.getElementById('snippet-python').textContent = '';
  document.getElementById('snippet-mcp').textContent = '';
  document.getElementById('snippet-mcp-json').textContent = '';
}

function copy(targetId) {
  return copyFrom(document.getElementById(targetId), panel.querySelector('.copy-status'));
}

function card(agent) {
  const list = document.getElementById('agent-cards');
  // Registered here: the agent.created event may arrive before or after the REST answer.
  const existing = list.querySelector(`[data-agent-id="${CSS.escape(agent.id)}"]`);
  if (existing) {
    showAgent(existing, agent);
    return;
  }
  document.getElementById('no-agents')?.remove();
  const item = document.createElement('li');
  item.className = 'agent-card';
  item.dataset.agentId = agent.id;
  item.innerHTML = `
    <div class="agent-card-head"><span class="dot" role="img"></span><h2 class="agent-name"></h2><span class="status-text"></span></div>
    <p class="description"></p>
    <ul class="chips"></ul>
    <p class="muted">Last active: <time class="last-seen"></time></p>
    <div class="agent-actions">
      <button type="button" class="small" data-action="rotate-key">Rotate key</button>
      <button type="button" class="small danger" data-action="delete-agent">Delete</button>
    </div>`;
  item.querySelector('.description').textContent = agent.description || '';
  for (const capability of agent.capabilities || []) {
    const chip = document.createElement('li');
    chip.textContent = capability;
    item.querySelector('.chips').append(chip);
  }
  item.querySelector('.chips').setAttribute('aria-label', 'Capabilities of ' + agent.name);
  item.querySelector('[data-action="rotate-key"]').setAttribute('aria-label', 'Rotate key of ' + agent.name);
  item.querySelector('[data-action="delete-agent"]').setAttribute('aria-label', 'Delete ' + agent.name);
  showAgent(item, agent);
  list.prepend(item);
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const data = new FormData(form);
  const capabilities = data.get('capabilities').split(',').map((c) => c.trim()).filter(Boolean);
  try {
    const result = await api('POST', '/auth/agents/register', {
      name: data.get('name').trim(),
      description: data.get('description').trim(),
      capabilities,
    });
    form.reset();
    showError(form, '');
    card(result.agent);
    showKey(result.agent.name, result.apiKey);
  } catch (error) {
    showError(form, error.message);
  }
});

document.addEventListener('click', async (event) => {
  const button = event.target.closest('[data-action]');
  if (!button) return;
  const action = button.dataset.action;
  if (action === 'copy') copy(button.dataset.target);
  if (action === 'dismiss-key') hideKey();
  const item = button.closest('.agent-card');
  if (!item) return;
  const name = item.querySelector('.agent-name').textContent;
  const id = encodeURIComponent(item.dataset.agentId);
  try {
    if (action === 'rotate-key' && confirm(`Rotate the key of ${name}? The old key stops working at once.`)) {
      const result = await api('POST', `/agents/${id}/rotate-key`);
      showKey(name, result.apiKey);
    }
    if (action === 'delete-agent' && confirm(`Delete ${name}? Its key stops working at once.`)) {
      await api('DELETE', `/agents/${id}`);
      document.querySelectorAll(`[data-agent-id="${CSS.escape(item.dataset.agentId)}"]`).forEach((el) => el.remove());
    }
  } catch (error) {
    alert(error.message);
  }
});

wireMessaging();
startPage({
  onEvent(frame) {
    if (!frame.type.startsWith('agent.') || frame.type === 'agent.deleted') return;
    const item = document.querySelector(`#agent-cards [data-agent-id="${CSS.escape(frame.data.id)}"]`);
    if (item) showAgent(item, frame.data);
    else card(frame.data);
  },
});
