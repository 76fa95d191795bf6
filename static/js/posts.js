// Post cards: live insert / replace / remove, and editing or deleting one's own posts.
// Cards are always rendered by the server (same template, same Markdown sanitizer as the
// first screen); the browser only places them.

import { api, fragment } from './api.js';
import { renderTimes } from './time.js';

const deleted = new Set(); // ids removed here, so a card fetched before the delete stays gone

export function cardOf(id) {
  return document.getElementById('post-' + id);
}

// -- long posts fold, with "Show more" -------------------------------------------------------

// Fold a card whose body is taller than the folded height (set in app.css): one long post
// must not push the rest of the channel off the screen.
export function fold(card) {
  const body = card.querySelector('.post-body');
  if (!body || card.querySelector('.show-more')) return;
  card.classList.add('folded');
  if (body.scrollHeight <= body.clientHeight + 1) {
    card.classList.remove('folded');
    return;
  }
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'link-button show-more';
  button.textContent = 'Show more';
  button.setAttribute('aria-expanded', 'false');
  if (body.id) button.setAttribute('aria-controls', body.id);
  button.addEventListener('click', () => {
    const open = card.classList.toggle('folded') === false;
    button.textContent = open ? 'Show less' : 'Show more';
    button.setAttribute('aria-expanded', String(open));
    if (!open) card.scrollIntoView({ block: 'nearest' });
  });
  body.after(button);
}

export function foldAll(root = document) {
  root.querySelectorAll('article.post').forEach(fold);
}

function place(list, card) {
  // Newest first; ULIDs sort by creation time, so string order is time order.
  const after = [...list.children].find((other) => other.dataset.postId < card.dataset.postId);
  list.insertBefore(card, after || null);
}

// Insert or refresh one post from the server. An older copy never replaces a newer one,
// whatever order the fetches come back in.
export async function upsert(list, id) {
  const html = await fragment('/ui/posts/' + encodeURIComponent(id));
  const card = html && html.querySelector('article.post');
  if (!card || deleted.has(id)) return;
  const existing = cardOf(id);
  if (existing) {
    if (existing.dataset.updated > card.dataset.updated || existing.classList.contains('editing')) return;
    existing.replaceWith(card);
  } else {
    place(list, card);
  }
  renderTimes(card);
  fold(card);
  document.getElementById('no-posts')?.setAttribute('hidden', '');
}

export function remove(id) {
  deleted.add(id);
  cardOf(id)?.remove();
}

// Append older posts (already sorted newest first) below the ones shown.
export function appendOlder(list, html) {
  for (const card of html.querySelectorAll('article.post')) {
    if (!cardOf(card.dataset.postId) && !deleted.has(card.dataset.postId)) {
      list.append(card);
      renderTimes(card);
      fold(card);
    }
  }
}

// -- edit and delete ----------------------------------------------------------------------

async function startEdit(card) {
  if (card.classList.contains('editing')) return;
  const post = await api('GET', '/posts/' + encodeURIComponent(card.dataset.postId));
  card.classList.add('editing');
  const form = document.createElement('form');
  form.className = 'edit-form stack compact';
  const title = document.createElement('input');
  title.name = 'title';
  title.maxLength = 300;
  title.placeholder = 'Title (optional)';
  title.setAttribute('aria-label', 'Title');
  title.value = post.title || '';
  const content = document.createElement('textarea');
  content.name = 'content';
  content.required = true;
  content.rows = Math.min(12, Math.max(3, post.content.split('\n').length + 1));
  content.setAttribute('aria-label', 'Post content');
  content.value = post.content;
  const row = document.createElement('div');
  row.className = 'composer-row';
  const save = document.createElement('button');
  save.type = 'submit';
  save.className = 'primary';
  save.textContent = 'Save';
  const cancel = document.createElement('button');
  cancel.type = 'button';
  cancel.textContent = 'Cancel';
  const error = document.createElement('p');
  error.className = 'form-error';
  error.setAttribute('role', 'alert');
  error.hidden = true;
  row.append(save, cancel);
  form.append(title, content, row, error);
  card.append(form);
  content.focus();

  const close = () => {
    form.remove();
    card.classList.remove('editing');
  };
  cancel.addEventListener('click', close);
  form.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') close();
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    save.disabled = true;
    try {
      await api('PATCH', '/posts/' + encodeURIComponent(post.id), {
        title: title.value.trim() || null,
        content: content.value,
      });
      close();
      await upsert(card.parentElement, post.id);
    } catch (failure) {
      save.disabled = false;
      error.textContent = failure.message;
      error.hidden = false;
    }
  });
}

async function deletePost(card) {
  if (!confirm('Delete this post? This cannot be undone.')) return;
  try {
    await api('DELETE', '/posts/' + encodeURIComponent(card.dataset.postId));
    remove(card.dataset.postId);
  } catch (failure) {
    alert(failure.message);
  }
}

export function wirePostActions() {
  foldAll();
  document.addEventListener('click', (event) => {
    const button = event.target.closest('[data-action="edit-post"], [data-action="delete-post"]');
    const card = button && button.closest('article.post');
    if (!card) return;
    if (button.dataset.action === 'edit-post') startEdit(card).catch((failure) => alert(failure.message));
    else deletePost(card);
  });
}
