// The search box in the top bar: it suggests the search operators (from:, in:, type:,
// before:, after:, has:, is:) and their values as you type. from: offers `me`, the agents in
// the sidebar and the people of the organization (GET /users?q=); in: the channels in the
// sidebar; type:, has: and is: their fixed values; before: and after: a few dates.
//
// Enter picks a value suggestion (the first is preselected, unless the value is typed out in
// full); an operator name suggested while
// you type a word is only a hint, so Enter still searches for the word ("in", "is") unless you
// moved to it with the arrow keys; Tab takes it.

import { api } from './api.js';

const POST_TYPES = ['update', 'insight', 'question', 'answer', 'alert', 'metric'];
const OPERATORS = [
  ['from', 'posts by an agent or person'],
  ['in', 'posts in a channel'],
  ['type', 'a post type'],
  ['after', 'after a day'],
  ['before', 'before a day'],
  ['has', 'reply or reaction'],
  ['is', 'pinned or reply'],
];
const MAX = 8;
// An operator with its value so far, quoted (the quote still open) or bare; else a bare word.
const QUOTED = /(^|\s)(from|in|type|before|after|has|is):"([^"]*)$/i;
const BARE = /(^|\s)(from|in|type|before|after|has|is):([^\s"]*)$/i;
const WORD = /(^|\s)([A-Za-z]+)$/;

function day(offset) {
  const date = new Date(Date.now() - offset * 86_400_000);
  return date.toISOString().slice(0, 10);
}

function written(value) {
  return /^[^\s"]+$/.test(value) ? value : `"${value.replace(/"/g, '')}"`;
}

function sidebarNames(selector) {
  return [...document.querySelectorAll(selector)].map((el) => el.textContent.trim()).filter(Boolean);
}

const people = new Map(); // typed prefix -> names, so each prefix is asked once

async function peopleNamed(typed) {
  const key = typed.toLowerCase();
  if (!people.has(key)) {
    people.set(key, api('GET', '/users?limit=20' + (typed ? '&q=' + encodeURIComponent(typed) : ''))
      .then((users) => users.map((user) => user.name))
      .catch(() => []));
  }
  return people.get(key);
}

// Values starting with the letters first; from two letters on, those holding them too.
function startsOrContains(values, typed) {
  const lower = typed.toLowerCase();
  const starts = values.filter((v) => v.toLowerCase().startsWith(lower));
  if (lower.length < 2) return [...new Set(starts)];
  const contains = values.filter((v) => !v.toLowerCase().startsWith(lower) && v.toLowerCase().includes(lower));
  return [...new Set([...starts, ...contains])];
}

// [{label, hint, insert}] for the operator being typed, or null when none applies.
async function valuesFor(key, typed) {
  key = key.toLowerCase();
  let values;
  const hints = new Map();
  if (key === 'from') {
    const agents = sidebarNames('#agent-list .agent-name');
    agents.forEach((name) => hints.set(name, 'agent'));
    const humans = await peopleNamed(typed);
    humans.forEach((name) => hints.has(name) || hints.set(name, 'person'));
    hints.set('me', 'your own posts');
    values = ['me', ...agents, ...humans];
  } else if (key === 'in') {
    values = sidebarNames('#channel-list .channel-name, #more-channels .channel-name');
  } else if (key === 'type') {
    values = POST_TYPES;
  } else if (key === 'has') {
    values = ['reply', 'reaction'];
  } else if (key === 'is') {
    values = ['pinned', 'reply'];
  } else {
    values = [day(0), day(1), day(7), day(30)];
    ['today', 'yesterday', 'a week ago', 'a month ago'].forEach((hint, i) => hints.set(values[i], hint));
  }
  return startsOrContains(values, typed).slice(0, MAX)
    .map((value) => ({ label: `${key}:${value}`, hint: hints.get(value) || '', insert: `${key}:${written(value)} ` }));
}

export function wireSearchBox() {
  const input = document.querySelector('.search-box input[name="q"]');
  if (!input) return;
  const list = document.getElementById('search-suggestions');
  let options = [];
  let active = -1;
  let token = null; // [start, end) of the text a pick replaces
  let asked = 0;

  const close = () => {
    list.hidden = true;
    list.replaceChildren();
    options = [];
    active = -1;
    input.setAttribute('aria-expanded', 'false');
    input.removeAttribute('aria-activedescendant');
  };
  const highlight = (index) => {
    active = index;
    [...list.children].forEach((li, i) => li.setAttribute('aria-selected', String(i === index)));
    if (index >= 0) input.setAttribute('aria-activedescendant', list.children[index].id);
    else input.removeAttribute('aria-activedescendant');
  };
  const pick = (option) => {
    const value = input.value;
    input.value = value.slice(0, token[0]) + option.insert + value.slice(token[1]).replace(/^\s+/, '');
    const caret = token[0] + option.insert.length;
    input.setSelectionRange(caret, caret);
    input.focus();
    close();
    suggest(); // after "from:" comes its values
  };
  const show = (found, preselect) => {
    if (!found.length) return close();
    options = found;
    list.replaceChildren(...found.map((option, index) => {
      const li = document.createElement('li');
      li.id = `search-suggestion-${index}`;
      li.setAttribute('role', 'option');
      const label = document.createElement('span');
      label.className = 'suggestion-label';
      label.textContent = option.label; // names are data, never markup
      li.append(label);
      if (option.hint) {
        const hint = document.createElement('span');
        hint.className = 'suggestion-hint muted';
        hint.textContent = option.hint;
        li.append(' ', hint);
      }
      li.addEventListener('mousedown', (event) => {
        event.preventDefault(); // keep the focus in the box
        pick(option);
      });
      return li;
    }));
    list.hidden = false;
    input.setAttribute('aria-expanded', 'true');
    highlight(preselect ? 0 : -1);
  };
  const suggest = async () => {
    const ask = ++asked;
    const caret = input.selectionStart ?? input.value.length;
    const before = input.value.slice(0, caret);
    let end = caret;
    const rest = input.value.slice(caret).match(/^[^\s]*/)[0];
    const value = before.match(QUOTED) || before.match(BARE);
    if (value) {
      end += before.match(QUOTED) ? (rest.match(/^[^"]*"?/)[0].length) : rest.length;
      const found = await valuesFor(value[2], value[3]);
      if (ask !== asked) return; // a newer keystroke won
      token = [caret - value[0].length + value[1].length, end];
      // A value typed out in full is done: Enter then searches rather than picking it again.
      const typedOut = `${value[2]}:${value[3]}`.toLowerCase();
      show(found, !found.some((option) => option.label.toLowerCase() === typedOut));
      return;
    }
    const word = before.match(WORD);
    if (word) {
      const typed = word[2].toLowerCase();
      const found = OPERATORS.filter(([name]) => name.startsWith(typed) && name !== typed + ':')
        .map(([name, hint]) => ({ label: `${name}:`, hint, insert: `${name}:` }));
      token = [caret - word[2].length, caret + rest.length];
      show(found, false);
      return;
    }
    close();
  };

  input.addEventListener('input', suggest);
  input.addEventListener('focus', suggest);
  input.addEventListener('blur', close);
  input.addEventListener('keydown', (event) => {
    if (list.hidden) return;
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      const step = event.key === 'ArrowDown' ? 1 : -1;
      highlight((active + step + options.length + (active < 0 && step < 0 ? 1 : 0)) % options.length);
    } else if (event.key === 'Tab' && !event.shiftKey) {
      pick(options[Math.max(active, 0)]);
    } else if (event.key === 'Enter' && active >= 0) {
      pick(options[active]);
    } else if (event.key === 'Escape') {
      close();
    } else {
      return;
    }
    event.preventDefault();
  });
}
