// Threads in a side panel (SPEC section 7): the root and its replies as server-rendered
// cards, a reply box, and live updates; each top-level card shows "N replies · last 2 min
// ago", kept current by thread.updated. Mentions are highlighted in every post body.

import { api, fragment } from './api.js';
import { cardOf } from './posts.js';
import { renderTimes } from './time.js';

const panel = document.getElementById('thread-panel');
const list = document.getElementById('thread-posts');
let openRoot = null;

// @word and @"Quoted Name", outside code, as the hub reads them; text nodes only, so
// nothing the author wrote ever becomes markup.
const MENTION = /(^|[^A-Za-z0-9_])(@(?:"[^"\n]+"|[A-Za-z0-9_-]+))/g;

export function highlightMentions(root) {
  for (const body of root.querySelectorAll('.post-body:not([data-mentions])')) {
    body.dataset.mentions = 'done';
    const walker = document.createTreeWalker(body, NodeFilter.SHOW_TEXT);
    const nodes = [];
    while (walker.nextNode()) {
      if (!walker.currentNode.parentElement.closest('code, pre, a')) nodes.push(walker.currentNode);
    }
    for (const node of nodes) {
      const text = node.textContent;
      if (!text.includes('@')) continue;
      const parts = document.createDocumentFragment();
      let last = 0;
      for (const match of text.matchAll(MENTION)) {
        const start = match.index + match[1].length;
        parts.append(text.slice(last, start));
        const span = document.createElement('span');
        span.className = 'mention';
        span.textContent = match[2];
        parts.append(span);
        last = start + match[2].length;
      }
      if (last === 0) continue;
      parts.append(text.slice(last));
      node.replaceWith(parts);
    }
  }
}

function summary(button, count, lastAt) {
  button.textContent = '';
  if (!count) {
    button.textContent = 'Reply';
    return;
  }
  const replies = document.createElement('span');
  replies.className = 'reply-count';
  replies.textContent = `${count} ${count === 1 ? 'reply' : 'replies'}`;
  const time = document.createElement('time');
  time.setAttribute('datetime', lastAt || '');
  button.append(replies, ' · last ', time);
  renderTimes(button);
}

async function load(rootId) {
  const html = await fragment('/ui/posts/' + encodeURIComponent(rootId) + '/thread');
  if (!html || openRoot !== rootId) return;
  list.replaceChildren(...html.querySelectorAll('article.post'));
  for (const card of list.querySelectorAll('article.post')) card.id = 'thread-' + card.id;
  renderTimes(list);
  highlightMentions(list);
}

export async function openThread(postId) {
  if (!panel) return;
  const post = await api('GET', '/posts/' + encodeURIComponent(postId));
  openRoot = post.root_id || post.id;
  panel.hidden = false;
  panel.dataset.rootId = openRoot;
  await load(openRoot);
  panel.querySelector('textarea').focus();
}

function closeThread() {
  openRoot = null;
  panel.hidden = true;
  list.replaceChildren();
}

export function onThreadEvent(frame) {
  const data = frame.data;
  if (frame.type === 'thread.updated') {
    const button = cardOf(data.root_id)?.querySelector('[data-action="open-thread"]');
    if (button) summary(button, data.reply_count, data.last_reply_at);
    if (openRoot === data.root_id) load(openRoot);
  } else if (frame.type === 'post.deleted' && openRoot && (data.id === openRoot)) {
    closeThread();
  }
}

export function wireThreads() {
  if (!panel) return;
  document.addEventListener('click', (event) => {
    const open = event.target.closest('[data-action="open-thread"]');
    if (open) openThread(open.dataset.postId);
    if (event.target.closest('[data-action="close-thread"]')) closeThread();
  });
  const form = document.getElementById('thread-reply');
  const content = form.elements.content;
  content.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!content.value.trim() || !openRoot) return;
    const error = form.querySelector('.form-error');
    try {
      await api('POST', '/posts', { parent_id: openRoot, content: content.value, type: 'answer' });
      form.reset();
      error.hidden = true;
      await load(openRoot); // shown now, not only when the socket's thread.updated arrives
    } catch (failure) {
      error.textContent = failure.message;
      error.hidden = false;
    }
  });
  highlightMentions(document);
  new MutationObserver(() => highlightMentions(document.getElementById('posts') || document))
    .observe(document.getElementById('posts'), { childList: true, subtree: true });
}
