// The search page: what every page has (page.js), plus the matched words marked in the
// results. The hub says which words matched (data-terms, from its own stemming tokenizer);
// they are marked in text nodes only, with <mark> elements made here, so nothing a post,
// a name or a description contains can become markup.

import { wirePostActions } from './posts.js';
import { wireMessaging } from './reactions.js';
import { startPage } from './ui.js';

function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function markTerms(root, terms) {
  if (!terms.length) return;
  // Whole words only, as the index tokenizes them (letters and digits), case-insensitively.
  const pattern = new RegExp(`(?<![\\p{L}\\p{N}])(?:${terms.map(escapeRegExp).join('|')})(?![\\p{L}\\p{N}])`, 'giu');
  const scopes = root.querySelectorAll('.post-title, .post-body, .hl');
  for (const scope of scopes) {
    const walker = document.createTreeWalker(scope, NodeFilter.SHOW_TEXT);
    const nodes = [];
    while (walker.nextNode()) {
      if (!walker.currentNode.parentElement.closest('mark')) nodes.push(walker.currentNode);
    }
    for (const node of nodes) {
      const text = node.textContent;
      pattern.lastIndex = 0;
      if (!pattern.test(text)) continue;
      pattern.lastIndex = 0;
      const parts = document.createDocumentFragment();
      let last = 0;
      for (const match of text.matchAll(pattern)) {
        parts.append(text.slice(last, match.index));
        const mark = document.createElement('mark');
        mark.textContent = match[0];
        parts.append(mark);
        last = match.index + match[0].length;
      }
      parts.append(text.slice(last));
      node.replaceWith(parts);
    }
  }
}

const results = document.getElementById('search-results');
if (results) {
  let terms = [];
  try {
    terms = JSON.parse(results.dataset.terms || '[]').filter((term) => typeof term === 'string' && term);
  } catch {
    terms = [];
  }
  markTerms(results, terms);
  // A reaction or a pin re-renders a card from the server as the channel shows it: put back
  // what a result has beyond that (its channel link, the marks).
  const links = new Map([...results.querySelectorAll('article.post')]
    .map((card) => [card.dataset.postId, card.querySelector('.in-channel')?.cloneNode(true)]));
  new MutationObserver((changes) => {
    for (const change of changes) {
      for (const card of change.addedNodes) {
        if (!(card instanceof Element) || !card.matches('article.post') || card.querySelector('.in-channel')) continue;
        const link = links.get(card.dataset.postId);
        if (link) card.querySelector('.post-head time')?.before(link.cloneNode(true));
        markTerms(card, terms);
      }
    }
  }).observe(results, { childList: true, subtree: true });
}

wirePostActions();
wireMessaging();
startPage();
