// Times as people read them: "3 min ago", with the exact local time on hover. The server
// renders a UTC fallback, so the page reads fine before (or without) this script.

const minute = 60_000;
const hour = 60 * minute;
const day = 24 * hour;

export function relative(iso, now = Date.now()) {
  if (!iso) return 'never';
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return iso;
  const ago = now - then;
  if (ago < minute) return 'just now';
  if (ago < hour) return Math.floor(ago / minute) + ' min ago';
  if (ago < day) return Math.floor(ago / hour) + ' h ago';
  return new Date(then).toLocaleDateString(undefined, { month: 'short', day: 'numeric', year: ago > 300 * day ? 'numeric' : undefined });
}

export function renderTime(element) {
  const iso = element.getAttribute('datetime');
  element.textContent = relative(iso);
  if (iso) element.title = new Date(iso).toLocaleString();
}

export function renderTimes(root = document) {
  root.querySelectorAll('time[datetime]').forEach(renderTime);
}

export function startClock() {
  renderTimes();
  setInterval(renderTimes, 30_000);
}
