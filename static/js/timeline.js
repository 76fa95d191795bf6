// The Feed page: the timeline is rendered by the server; while you read it, new posts (in the
// channels and DMs you follow) and new insights are counted, and a button shows them (a fresh
// first page) rather than shifting what you are reading.

import { wireMessaging } from './reactions.js';
import { startPage } from './ui.js';

const button = document.getElementById('timeline-new');
let fresh = 0;

function onEvent(frame) {
  if (!button || !(frame.type === 'post.created' || frame.type === 'insight.created')) return;
  fresh += 1;
  button.textContent = `${fresh} new item${fresh === 1 ? '' : 's'}: show them`;
  button.hidden = false;
}

if (button) {
  button.addEventListener('click', () => {
    const url = new URL(location.href);
    url.searchParams.delete('page');
    url.searchParams.delete('until');
    location.assign(url.pathname + url.search);
  });
}

wireMessaging();
startPage({ onEvent });
