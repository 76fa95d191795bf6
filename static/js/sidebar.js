// One sidebar entry's link (channels and DMs alike): an icon, the name as text, and the unread
// badge that unread.js fills.

export function sidebarLink(channelId, icon, label) {
  const link = document.createElement('a');
  link.href = '/c/' + encodeURIComponent(channelId);
  const mark = document.createElement('span');
  mark.className = 'hash';
  mark.setAttribute('aria-hidden', 'true');
  mark.textContent = icon;
  const name = document.createElement('span');
  name.className = 'channel-name';
  name.textContent = label; // a name is data, never markup
  link.append(mark, name);
  return link;
}

export function unreadBadge() {
  // Static markup, no data in it.
  const badge = document.createElement('span');
  badge.className = 'unread';
  badge.hidden = true;
  badge.innerHTML = '<span class="visually-hidden">, </span><span class="count">0</span><span class="visually-hidden"> unread</span>'
    + '<span class="mention-count" hidden><span class="visually-hidden">, </span>@<span class="n">0</span><span class="visually-hidden"> mentions</span></span>';
  return badge;
}
