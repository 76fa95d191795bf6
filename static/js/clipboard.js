// Copying a shown-once secret (an API key, a hook or invite URL) and its snippets.

export async function copyFrom(target, status) {
  const text = 'value' in target ? target.value : target.textContent;
  try {
    await navigator.clipboard.writeText(text);
    status.textContent = 'Copied.';
  } catch {
    // No clipboard API (plain http on another host): select it for Ctrl+C instead.
    if (target.select) {
      target.select();
    } else {
      const range = document.createRange();
      range.selectNodeContents(target);
      getSelection().removeAllRanges();
      getSelection().addRange(range);
    }
    status.textContent = 'Selected: press Ctrl+C (or Cmd+C) to copy.';
  }
}
