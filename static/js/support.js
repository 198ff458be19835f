// The agents' inbox (a server-rendered list refreshed on live events) and the controls of
// one support chat (block/unblock the customer, ticket status).

import { api, fetchHtml } from './api.js';
import { updateTimes } from './time.js';

const REFRESH_ON = new Set(['thread.created', 'thread.updated', 'thread.removed', 'message.created', 'message.removed', 'resync']);

export class SupportInbox {
  constructor(el, live) {
    this.el = el;
    live.on((frame) => {
      if (frame.type === 'socket.closed') this.reconnected = true;
      if ((frame.type === 'socket.open' && this.reconnected) || REFRESH_ON.has(frame.type)) this.schedule();
    });
  }

  schedule() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.refresh(), 150);
  }

  async refresh() {
    const url = new URL(location.href);
    url.searchParams.set('fragment', '1');
    try {
      const fragment = await fetchHtml(url.toString());
      const fresh = fragment.querySelector('#support-list');
      if (!fresh) return;
      updateTimes(fresh);
      this.el.querySelector('#support-list').replaceWith(fresh);
    } catch {
      // the next event retries
    }
  }
}

export class SupportChat {
  constructor(el, live) {
    this.el = el;
    this.thread = el.dataset.thread;
    el.addEventListener('submit', (event) => this.submit(event));
    // The status last known to be saved: a live update moves the select only while the agent
    // has not picked another value, so an event about some other change (say, blocking) that
    // lands between picking and saving does not quietly undo the pick.
    const select = el.querySelector('#ticket-status');
    this.savedStatus = select ? select.value : null;
    live.on((frame) => {
      if (frame.thread === this.thread && frame.type === 'thread.updated') this.apply(frame.data.thread);
    });
  }

  async submit(event) {
    const form = event.target;
    if (!form.dataset.action) return;
    event.preventDefault();
    const status = this.el.querySelector('#support-status-line');
    try {
      const body = Object.fromEntries(new FormData(form).entries());
      delete body.csrfmiddlewaretoken;
      const data = await api('POST', form.action, body);
      this.apply(data.thread, { saved: form.dataset.action === 'status' });
      status.textContent = 'Saved.';
    } catch (error) {
      status.textContent = error.message;
    }
  }

  apply(thread, { saved = false } = {}) {
    const support = thread.support || thread;
    if (support.owner_blocked !== undefined && support.owner_blocked !== null) {
      const blocked = Boolean(support.owner_blocked);
      this.el.querySelector('#blocked-state').textContent = blocked ? 'Blocked' : 'Not blocked';
      const form = this.el.querySelector('form[data-action="block"]');
      form.querySelector('input[name="blocked"]').value = blocked ? 'false' : 'true';
      form.querySelector('button').textContent = blocked ? 'Unblock customer' : 'Block customer';
    }
    if (support.ticket_status) {
      const select = this.el.querySelector('#ticket-status');
      if (select && (saved || select.value === this.savedStatus)) select.value = support.ticket_status;
      this.savedStatus = support.ticket_status;
    }
  }
}
