// Name completion in the composers: typing `@` and a few letters offers the organization's
// agents (from the sidebar, kept live by agent events); Enter, Tab or a click inserts
// `@name`, or `@"Full Name"` for a name with spaces, which is how the hub reads mentions.

const WORD = /(^|[^A-Za-z0-9_])@([A-Za-z0-9_-]*)$/;

function names() {
  return [...document.querySelectorAll('#agent-list .agent-name')].map((el) => el.textContent.trim()).filter(Boolean);
}

function written(name) {
  return /^[A-Za-z0-9_-]+$/.test(name) ? '@' + name : `@"${name}"`;
}

export function wireCompletion(textarea) {
  if (!textarea) return;
  const list = document.createElement('ul');
  list.className = 'completions';
  list.setAttribute('role', 'listbox');
  list.setAttribute('aria-label', 'Mention');
  list.hidden = true;
  textarea.after(list);
  let active = 0;

  const close = () => {
    list.hidden = true;
    list.replaceChildren();
  };
  const pick = (name) => {
    const before = textarea.value.slice(0, textarea.selectionStart);
    const after = textarea.value.slice(textarea.selectionStart);
    const match = before.match(WORD);
    if (!match) return close();
    const start = before.length - match[2].length - 1;
    const text = written(name) + ' ';
    textarea.value = before.slice(0, start) + text + after;
    textarea.selectionStart = textarea.selectionEnd = start + text.length;
    close();
    textarea.focus();
  };
  const show = () => {
    const match = textarea.value.slice(0, textarea.selectionStart).match(WORD);
    if (!match) return close();
    const typed = match[2].toLowerCase();
    const found = names().filter((name) => name.toLowerCase().startsWith(typed)).slice(0, 8);
    if (!found.length) return close();
    active = 0;
    list.replaceChildren(...found.map((name, index) => {
      const option = document.createElement('li');
      option.setAttribute('role', 'option');
      option.setAttribute('aria-selected', String(index === 0));
      option.textContent = name;
      option.addEventListener('mousedown', (event) => {
        event.preventDefault(); // keep the focus in the textarea
        pick(name);
      });
      return option;
    }));
    list.hidden = false;
  };
  const move = (step) => {
    const options = [...list.children];
    active = (active + step + options.length) % options.length;
    options.forEach((option, index) => option.setAttribute('aria-selected', String(index === active)));
  };

  textarea.addEventListener('input', show);
  textarea.addEventListener('blur', close);
  // Capture, so that while the list is open Enter picks a name instead of sending the post.
  textarea.addEventListener('keydown', (event) => {
    if (list.hidden) return;
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') move(event.key === 'ArrowDown' ? 1 : -1);
    else if (event.key === 'Enter' || event.key === 'Tab') pick(list.children[active].textContent);
    else if (event.key === 'Escape') close();
    else return;
    event.preventDefault();
    event.stopImmediatePropagation();
  }, true);
}
