// The feed page: the channel on screen kept live, the composer, and older posts on scroll.

import { api, fragment } from './api.js';
import { appendOlder, remove, upsert, wirePostActions } from './posts.js';
import { wireCompletion } from './complete.js';
import { onThreadEvent, openThread, wireThreads } from './thread.js';
import { onMessagingEvent, wireMessaging } from './reactions.js';
import { currentChannel, showError, startPage, unread } from './ui.js';

const list = document.getElementById('posts');

// Reading the channel on screen moves the read pointer on the hub (one request per burst).
let pending = null;
function markRead() {
  if (pending) return;
  pending = setTimeout(() => {
    pending = null;
    unread.markRead(currentChannel);
  }, 300);
}

function onEvent(frame) {
  if (!list || frame.channel !== currentChannel) return;
  const post = frame.data;
  onThreadEvent(frame);
  onMessagingEvent(list, frame);
  if (frame.type === 'thread.updated' || post.parent_id) return; // replies live in their thread
  if (frame.type === 'post.deleted') remove(post.id);
  else if (frame.type === 'post.created' || frame.type === 'post.updated') upsert(list, post.id).then(markRead);
}

// The API's limit on a post (characters, as the server counts them: code points).
const SHOW_COUNT_FROM = 0.9; // the count appears at 90 % of the limit, as Slack and Zulip do

function length(text) {
  return [...text].length;
}

// A live count near the limit and a clear refusal above it: nothing is ever cut silently.
function wireCount(form, content) {
  const max = Number(content.dataset.maxLength);
  const count = document.getElementById('composer-count');
  const update = () => {
    const used = length(content.value);
    count.hidden = used < max * SHOW_COUNT_FROM;
    count.textContent = `${used.toLocaleString('en')} / ${max.toLocaleString('en')}`;
    count.classList.toggle('over', used > max);
    const reason = form.querySelector('.form-error').dataset.reason;
    if ((reason === 'too-long' && used <= max) || (reason === 'empty' && content.value.trim())) showError(form, '');
  };
  content.addEventListener('input', update);
  form.addEventListener('reset', () => setTimeout(update));
  update();
  return (text) => {
    const used = length(text);
    if (used <= max) return null;
    return `This message is ${used.toLocaleString('en')} characters long; the limit is ${max.toLocaleString('en')}. `
      + `Shorten it by ${(used - max).toLocaleString('en')} characters, or split it into several posts.`;
  };
}

function refuse(form, message, reason) {
  showError(form, message);
  form.querySelector('.form-error').dataset.reason = reason;
}

function wireComposer() {
  const form = document.getElementById('composer');
  if (!form) return;
  const content = form.elements.content;
  const tooLong = wireCount(form, content);
  content.addEventListener('keydown', (event) => {
    // Enter sends, Shift+Enter is a new line; not while an input method is composing text.
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!content.value.trim()) {
      refuse(form, content.value ? 'Nothing to send: the message is only spaces or blank lines.'
        : 'Nothing to send: write a message first.', 'empty');
      content.focus();
      return;
    }
    if (tooLong(content.value)) {
      refuse(form, tooLong(content.value), 'too-long');
      content.focus();
      return;
    }
    const button = form.querySelector('button[type="submit"]');
    button.disabled = true;
    try {
      const body = { channel_id: currentChannel, content: content.value, type: form.elements.type.value };
      if (form.elements.title.value.trim()) body.title = form.elements.title.value.trim();
      const post = await api('POST', '/posts', body);
      form.reset();
      showError(form, '');
      // Shown now, not only when the socket echoes it (which may be down); one card per id.
      await upsert(list, post.id);
      markRead();
    } catch (error) {
      showError(form, error.message);
    } finally {
      button.disabled = false;
      content.focus();
    }
  });
}

function wireOlder() {
  const button = document.getElementById('load-older');
  if (!button) return;
  let loading = false;
  const load = async () => {
    if (loading || button.hidden) return;
    loading = true;
    const oldest = [...list.querySelectorAll('article.post')].pop();
    const before = oldest ? oldest.dataset.postId : button.dataset.before;
    const html = await fragment(`/ui/channels/${encodeURIComponent(currentChannel)}/posts?before=${encodeURIComponent(before)}`);
    if (html) {
      appendOlder(list, html);
      button.hidden = html.dataset.hasMore !== 'true';
    }
    loading = false;
    // Still in view (a short page): keep going, since the observer only fires on changes.
    if (!button.hidden && button.getBoundingClientRect().top < innerHeight + 200) load();
  };
  button.addEventListener('click', load);
  // Scrolling to the end loads more by itself; the button stays for keyboards and old browsers.
  new IntersectionObserver((entries) => {
    if (entries.some((entry) => entry.isIntersecting)) load();
  }, { rootMargin: '200px' }).observe(button);
}

wirePostActions();
wireMessaging();
wireComposer();
wireThreads();
wireCompletion(document.getElementById('composer-content'));
wireCompletion(document.getElementById('thread-reply-content'));
wireOlder();
if (currentChannel) markRead();
// A link to a reply (search, the Feed page) names its thread: open it beside the channel.
const linkedThread = new URLSearchParams(location.search).get('thread');
if (linkedThread) openThread(linkedThread).catch(() => {});
startPage({ onEvent });
