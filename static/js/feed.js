// The feed page: the channel on screen kept live, the composer, and older posts on scroll.

import { api, fragment } from './api.js';
import { appendOlder, remove, upsert, wirePostActions } from './posts.js';
import { currentChannel, showError, startPage, unread } from './ui.js';

const list = document.getElementById('posts');

function markRead() {
  const newest = list && list.querySelector('article.post time[datetime]');
  unread.markRead(currentChannel, newest ? newest.getAttribute('datetime') : new Date().toISOString());
}

function onEvent(frame) {
  if (!list || frame.channel !== currentChannel) return;
  const post = frame.data;
  if (frame.type === 'post.deleted') remove(post.id);
  else if (frame.type === 'post.created' || frame.type === 'post.updated') upsert(list, post.id).then(markRead);
}

function wireComposer() {
  const form = document.getElementById('composer');
  if (!form) return;
  const content = form.elements.content;
  content.addEventListener('keydown', (event) => {
    // Enter sends, Shift+Enter is a new line; not while an input method is composing text.
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!content.value.trim()) return;
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
wireComposer();
wireOlder();
if (currentChannel) markRead();
startPage({ onEvent });
