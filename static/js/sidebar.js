// The thread list: re-rendered by the server (one selector, one template) whenever a
// live event may change names, order, previews or unread badges.

import { fetchHtml } from './api.js';
import { updateTimes } from './time.js';

const REFRESH_ON = new Set([
  'message.created', 'message.removed', 'message.restored', 'message.updated',
  'thread.created', 'thread.updated', 'thread.removed',
  'member.added', 'member.removed', 'read.updated', 'resync',
]);

export class Sidebar {
  constructor(el, live, currentThread) {
    this.el = el;
    this.url = el.dataset.sidebarUrl;
    this.current = currentThread;
    this.timer = null;
    this.reconnected = false;
    live.on((frame) => {
      if (frame.type === 'socket.closed') this.reconnected = true;
      if (frame.type === 'socket.open' && this.reconnected) this.schedule();
      if (REFRESH_ON.has(frame.type)) this.schedule();
    });
  }

  schedule() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.refresh(), 120);
  }

  async refresh() {
    let fragment;
    try {
      fragment = await fetchHtml(this.url);
    } catch {
      return;
    }
    const fresh = fragment.querySelector('#thread-list');
    const old = this.el.querySelector('#thread-list');
    if (!fresh || !old) return;
    const focused = document.activeElement && old.contains(document.activeElement)
      ? document.activeElement.closest('[data-thread]')?.dataset.thread : null;
    for (const item of fresh.querySelectorAll('[data-thread]')) {
      if (item.dataset.thread === this.current) {
        item.querySelector('a')?.setAttribute('aria-current', 'page');
        // Read as it arrives (or announced in the open conversation itself): no badge here.
        item.querySelector('.badge')?.remove();
      }
    }
    updateTimes(fresh);
    old.replaceWith(fresh);
    if (focused) fresh.querySelector(`[data-thread="${CSS.escape(focused)}"] a`)?.focus();
  }
}
