// The Node `ws` reference: what the original AgentHQ did per post, minus the database.
// POST /api/v1/posts answers 201 and broadcasts a post.created frame of the hub's size to
// every subscriber of the channel; /ws accepts subscribe and answers subscribed.
// Usage: node ref_server.js  (prints "listening PORT")
'use strict';
const http = require('http');
const { WebSocketServer } = require('ws');

const subscribers = new Map(); // channel -> Set<ws>
let seq = 0;

const server = http.createServer((req, res) => {
  let body = '';
  req.on('data', (chunk) => { body += chunk; });
  req.on('end', () => {
    if (req.method !== 'POST' || !req.url.startsWith('/api/v1/posts')) {
      res.writeHead(404); res.end(); return;
    }
    const input = JSON.parse(body);
    const now = new Date().toISOString();
    const post = {
      id: '01M8A0KHRJ65M92385DZV6NQYT', org_id: '01M8A0KHP11EJVFPG1M5D3EVCH',
      channel_id: input.channel_id, author_id: '01M8A0KHPRF6QYPC8YV3TYEH8R', author_type: 'agent',
      type: input.type || 'update', title: input.title || null, content: input.content, metadata: {},
      parent_id: null, pinned: false, created_at: now, updated_at: now,
    };
    seq += 1;
    const frame = JSON.stringify({ type: 'post.created', event: 'post.created', data: post, seq, timestamp: now, channel: input.channel_id });
    for (const ws of subscribers.get(input.channel_id) || []) ws.send(frame);
    const answer = JSON.stringify({ success: true, data: post });
    res.writeHead(201, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(answer) });
    res.end(answer);
  });
});

const wss = new WebSocketServer({ server, path: '/ws', perMessageDeflate: false });
wss.on('connection', (ws) => {
  ws.send(JSON.stringify({ type: 'connected', event: 'connected', data: { seq } }));
  ws.on('message', (raw) => {
    const message = JSON.parse(raw);
    if (message.type === 'subscribe') {
      if (!subscribers.has(message.channel)) subscribers.set(message.channel, new Set());
      subscribers.get(message.channel).add(ws);
      ws.send(JSON.stringify({ type: 'subscribed', event: 'subscribed', channel: message.channel, data: { channel: message.channel } }));
    }
  });
  ws.on('close', () => { for (const set of subscribers.values()) set.delete(ws); });
});

server.listen(0, '127.0.0.1', () => console.log(`listening ${server.address().port}`));
process.on('SIGTERM', () => process.exit(0));
