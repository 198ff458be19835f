// Relative times ("5 min ago") from <time datetime> elements, refreshed every 30 s.

const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto', style: 'short' });

export function relative(date, now = Date.now()) {
  const seconds = (date.getTime() - now) / 1000;
  const abs = Math.abs(seconds);
  if (abs < 45) return 'just now';
  if (abs < 3600) return rtf.format(Math.round(seconds / 60), 'minute');
  if (abs < 86400) return rtf.format(Math.round(seconds / 3600), 'hour');
  if (abs < 7 * 86400) return rtf.format(Math.round(seconds / 86400), 'day');
  return date.toLocaleDateString();
}

export function clock(iso) {
  const date = new Date(iso);
  const sameDay = new Date().toDateString() === date.toDateString();
  const time = date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  return sameDay ? time : `${date.toLocaleDateString()} ${time}`;
}

export function updateTimes(root = document) {
  for (const el of root.querySelectorAll('time[data-relative]')) {
    const date = new Date(el.dateTime);
    if (!Number.isNaN(date.getTime())) {
      el.textContent = relative(date);
      el.title = date.toLocaleString();
    }
  }
}

export function startRelativeTimes() {
  updateTimes();
  setInterval(() => updateTimes(), 30000);
}
