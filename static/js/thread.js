// One open conversation: its message log, "Load earlier", search, the composer and every
// live change to it. Chats, session rooms and support chats share it; the page's
// #thread-data (json_script) says which and what the viewer may do.

import { api, newClientId } from './api.js';
import { $, h } from './dom.js';
import { messageElement, reactionButtons } from './render.js';

const SEND_ACK_TIMEOUT_MS = 5000;

export class ThreadView {
  constructor(data, live) {
    this.thread = data.thread;
    this.kind = data.kind;
    this.me = data.me;
    this.live = live;
    this.sort = data.sort || 'newest';
    this.maxLength = data.max_length;
    this.messages = new Map();
    this.pending = new Map();
    this.replyTo = null;
    this.files = [];
    this.loading = false;
    this.ctx = {
      me: this.me,
      moderator: data.moderator,
      canPin: this.kind === 'session' || this.kind === 'support' || this.kind === 'group' || this.kind === 'custom',
      customReactions: this.kind !== 'session',
      support: this.kind === 'support',
      lookup: (id) => this.messages.get(id),
    };
    this.log = $('#log');
    this.loadEarlierButton = $('#load-earlier');
    this.composer = $('#composer');
    this.text = $('#composer-text');
    this.count = $('#composer-count');
    this.error = $('#composer-error');
    this.base = `/web/threads/${this.thread}`;

    this.newBelow = $('#new-below');
    this.atBottom = true;

    this.render(data.messages, data.has_more);
    this.scrollToBottom();
    this.bind();
    live.on((frame) => this.onFrame(frame));
    this.markRead();
    // Ready to type where a keyboard is at hand (not on a phone, whose keyboard would cover
    // the conversation).
    if (window.matchMedia('(min-width: 761px)').matches) this.text.focus({ preventScroll: true });
  }

  // --- rendering -------------------------------------------------------------------

  render(messages, hasMore) {
    this.log.replaceChildren();
    this.messages.clear();
    for (const message of messages) this.put(message, 'end');
    this.hasMore = hasMore;
    this.offset = messages.length;
    this.loadEarlierButton.hidden = !hasMore;
    this.loadEarlierButton.textContent = this.sort === 'newest' ? 'Load earlier' : 'Load more';
    if (this.sort !== 'newest') this.log.after(this.loadEarlierButton);
    else this.log.before(this.loadEarlierButton);
  }

  normalise(message) {
    return { reactions: {}, pinned: false, attachments: [], ...message };
  }

  element(id) {
    return this.log.querySelector(`article[data-id="${CSS.escape(id)}"]`);
  }

  put(message, where) {
    message = this.normalise(message);
    this.messages.set(message.id, message);
    const el = messageElement(message, this.ctx);
    const existing = this.element(message.id);
    if (existing) {
      existing.replaceWith(el);
    } else if (where === 'start') {
      this.log.prepend(el);
    } else if (where === 'sorted') {
      // Live messages: usually last, but keep (created_at, id) order whatever arrives.
      let after = this.log.lastElementChild;
      while (after && !after.classList.contains('pending') && this.isAfter(after.dataset.id, message)) {
        after = after.previousElementSibling;
      }
      while (after && after.classList.contains('pending')) after = after.previousElementSibling;
      if (after) after.after(el);
      else this.log.prepend(el);
    } else {
      this.log.append(el);
    }
    return el;
  }

  isAfter(id, message) {
    const other = this.messages.get(id);
    if (!other) return false;
    return other.created_at > message.created_at || (other.created_at === message.created_at && other.id > message.id);
  }

  refreshReactions(id) {
    const message = this.messages.get(id);
    const el = this.element(id);
    if (!message || !el) return;
    el.querySelector('.reactions')?.replaceWith(reactionButtons(message, this.ctx));
  }

  nearBottom() {
    return this.log.scrollHeight - this.log.scrollTop - this.log.clientHeight < 120;
  }

  scrollToBottom() {
    this.log.scrollTop = this.log.scrollHeight;
    this.atBottom = true;
  }

  // A message arrived below while the reader looks at older ones: say so, and leave it
  // unread until they come down to it.
  showNewBelow() {
    this.newBelow.hidden = false;
  }

  // --- events from the page ----------------------------------------------------------

  bind() {
    this.log.addEventListener('scroll', () => {
      this.atBottom = this.nearBottom();
      if (this.atBottom && !this.newBelow.hidden) {
        this.newBelow.hidden = true;
        this.markRead();
      }
    });
    this.newBelow.addEventListener('click', () => {
      this.scrollToBottom();
      this.newBelow.hidden = true;
      this.markRead();
      this.text.focus({ preventScroll: true });
    });
    // Images take their height when they load, after the log was scrolled: a reader at the
    // bottom stays there.
    this.log.addEventListener('load', (event) => {
      if (event.target.tagName === 'IMG' && this.atBottom) this.scrollToBottom();
    }, true);
    this.composer.addEventListener('submit', (event) => {
      event.preventDefault();
      this.send();
    });
    this.text.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this.send();
      } else if (event.key === 'Escape' && this.replyTo) {
        this.setReply(null);
      }
    });
    this.text.addEventListener('input', () => this.updateCount());
    this.updateCount();
    $('#reply-cancel').addEventListener('click', () => this.setReply(null));
    $('#composer-files')?.addEventListener('change', (event) => this.upload(event.target));
    this.loadEarlierButton.addEventListener('click', () => this.loadMore(true));
    this.log.addEventListener('scroll', () => {
      if (this.sort === 'newest' && this.log.scrollTop < 40 && this.hasMore) this.loadMore(false);
    });
    this.log.addEventListener('click', (event) => this.onAction(event));
    $('#search-form').addEventListener('submit', (event) => {
      event.preventDefault();
      this.search($('#search-input').value.trim());
    });
    $('#search-clear').addEventListener('click', () => this.search(''));
    const sort = $('#sort');
    if (sort) {
      sort.addEventListener('change', () => {
        this.sort = sort.value;
        const url = new URL(location.href);
        url.searchParams.set('sort', this.sort);
        history.replaceState(null, '', url);
        this.reload();
      });
    }
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible') this.markRead();
    });
  }

  updateCount() {
    const length = this.text.value.length;
    this.count.textContent = `${length}/${this.maxLength}`;
    const over = length > this.maxLength;
    this.count.classList.toggle('over', over);
    // The counter matters in session rooms (280); elsewhere only near the limit.
    this.count.hidden = this.kind !== 'session' && length < this.maxLength * 0.9;
    this.text.setAttribute('aria-invalid', over ? 'true' : 'false');
    this.error.textContent = over ? `Too long: at most ${this.maxLength} characters.` : '';
  }

  async onAction(event) {
    const button = event.target.closest('button');
    if (!button || !this.log.contains(button)) return;
    const article = button.closest('article');
    const id = article?.dataset.id;
    const message = this.messages.get(id);
    if (button.dataset.retry !== undefined) return this.retry(article.dataset.clientId);
    if (button.dataset.discard !== undefined) return this.discard(article.dataset.clientId);
    if (!message) return;
    try {
      if (button.dataset.reaction) {
        const name = button.dataset.reaction;
        const mine = (message.reactions[name]?.users || []).includes(this.me);
        const url = `/web/messages/${id}/reactions/${encodeURIComponent(name)}/`;
        const result = await api(mine ? 'DELETE' : 'POST', url);
        this.applyReactions(id, result.message.reactions);
        this.element(id)?.querySelector(`[data-reaction="${CSS.escape(name)}"]`)?.focus();
      } else if (button.dataset.action === 'react-other') {
        const name = window.prompt('Reaction shortcode, e.g. :tada:');
        if (!name) return;
        const code = name.startsWith(':') ? name : `:${name.replace(/:/g, '')}:`;
        const result = await api('POST', `/web/messages/${id}/reactions/${encodeURIComponent(code)}/`);
        this.applyReactions(id, result.message.reactions);
      } else if (button.dataset.action === 'reply') {
        this.setReply(message);
      } else if (button.dataset.action === 'pin') {
        const pinned = message.pinned; // the live pin.* event may land before the answer
        await api(pinned ? 'DELETE' : 'POST', `/web/messages/${id}/pin/`);
        this.setPinned(id, !pinned);
        this.element(id)?.querySelector('[data-action="pin"]')?.focus();
      } else if (button.dataset.action === 'remove') {
        const next = article.nextElementSibling || article.previousElementSibling;
        await api('DELETE', `/web/messages/${id}/`);
        this.removeMessage(id);
        (next?.querySelector('button') || this.text).focus();
      }
    } catch (error) {
      this.flash(error.message);
    }
  }

  flash(text) {
    this.error.textContent = text;
    clearTimeout(this.flashTimer);
    this.flashTimer = setTimeout(() => { this.error.textContent = ''; }, 6000);
  }

  setReply(message) {
    this.replyTo = message;
    const box = $('#reply-preview');
    box.hidden = !message;
    if (message) {
      const text = message.text ? message.text.slice(0, 80) : '📎 file';
      box.querySelector('.reply-label').textContent = `Replying to ${message.author ? message.author.name : 'someone'}: ${text}`;
    }
    this.text.focus();
  }

  // --- paging, search, sorting ------------------------------------------------------------

  async loadMore(byButton) {
    if (this.loading || !this.hasMore) return;
    this.loading = true;
    try {
      if (this.sort === 'newest') {
        const first = this.log.querySelector('article[data-id]:not(.pending)');
        const before = first ? `?before=${encodeURIComponent(first.dataset.id)}` : '';
        const data = await api('GET', `${this.base}/messages/${before}`);
        const height = this.log.scrollHeight;
        const top = this.log.scrollTop;
        for (const message of data.messages.slice().reverse()) {
          if (!this.messages.has(message.id)) this.put(message, 'start');
        }
        this.log.scrollTop = top + (this.log.scrollHeight - height);
        this.hasMore = data.has_more;
      } else {
        const data = await api('GET', `${this.base}/messages/?sort=${this.sort}&offset=${this.offset}`);
        for (const message of data.messages) if (!this.messages.has(message.id)) this.put(message, 'end');
        this.offset += data.messages.length;
        this.hasMore = data.has_more;
      }
      this.loadEarlierButton.hidden = !this.hasMore;
      if (byButton && !this.hasMore) this.log.focus();
    } catch (error) {
      this.flash(error.message);
    } finally {
      this.loading = false;
    }
  }

  async reload() {
    try {
      const query = this.sort === 'newest' ? '' : `?sort=${this.sort}`;
      const data = await api('GET', `${this.base}/messages/${query}`);
      const pending = [...this.log.querySelectorAll('article.pending')];
      this.render(data.messages, data.has_more);
      for (const el of pending) this.log.append(el);
      if (this.sort === 'newest') this.scrollToBottom();
      else this.log.scrollTop = 0;
    } catch (error) {
      this.flash(error.message);
    }
  }

  scheduleReload() {
    clearTimeout(this.reloadTimer);
    this.reloadTimer = setTimeout(() => this.reload(), 150);
  }

  async search(query) {
    const section = $('#search-results');
    const results = section.querySelector('.results');
    $('#search-clear').hidden = !query;
    if (!query) {
      section.hidden = true;
      results.replaceChildren();
      $('#search-input').value = '';
      return;
    }
    try {
      const data = await api('GET', `${this.base}/messages/?search=${encodeURIComponent(query)}`);
      const readonly = { ...this.ctx, readonly: true };
      results.replaceChildren(...data.messages.map((m) => messageElement(this.normalise(m), readonly)));
      const n = data.messages.length;
      $('#search-summary').textContent = n ? `${n}${data.has_more ? '+' : ''} message${n === 1 ? '' : 's'} match “${query}”.` : `No messages match “${query}”.`;
      section.hidden = false;
    } catch (error) {
      this.flash(error.message);
    }
  }

  // --- reading ------------------------------------------------------------------------------

  markRead() {
    if (document.visibilityState !== 'visible') return;
    clearTimeout(this.readTimer);
    this.readTimer = setTimeout(() => {
      // Up to the newest message shown (the server's newest in sorted session views).
      const last = this.sort === 'newest' ? [...this.log.querySelectorAll('article[data-id]:not(.pending)')].pop() : null;
      api('POST', `${this.base}/read/`, last ? { message: last.dataset.id } : {}).catch(() => {});
    }, 300);
  }

  // --- sending ------------------------------------------------------------------------------

  async upload(input) {
    for (const file of input.files) {
      const form = new FormData();
      form.append('file', file);
      try {
        const data = await api('POST', this.composer.dataset.uploadUrl, form);
        this.files.push(data);
        this.renderFiles();
      } catch (error) {
        this.flash(`${file.name}: ${error.message}`);
      }
    }
    input.value = '';
  }

  renderFiles() {
    const list = $('#pending-files');
    list.replaceChildren(...this.files.map((file, index) => h('li', {},
      `📎 ${file.name} `,
      h('button', { type: 'button', class: 'small', 'aria-label': `Remove ${file.name}`, onclick: () => { this.files.splice(index, 1); this.renderFiles(); this.text.focus(); } }, '×'))));
  }

  send() {
    const text = this.text.value;
    if (!text.trim() && !this.files.length) return;
    if (text.length > this.maxLength) {
      this.updateCount();
      return;
    }
    const entry = {
      client_id: newClientId(),
      text,
      reply_to: this.replyTo ? this.replyTo.id : null,
      files: this.files.slice(),
      timer: null,
    };
    this.pending.set(entry.client_id, entry);
    const message = {
      id: `pending-${entry.client_id}`,
      client_id: entry.client_id,
      author: { id: this.me, name: 'You' },
      role: 'user',
      text: text.trim(),
      reply_to: entry.reply_to,
      reply: this.replyTo,
      attachments: entry.files,
      created_at: new Date().toISOString(),
      pending: true,
    };
    entry.el = messageElement(this.normalise(message), this.ctx);
    this.log.append(entry.el);
    this.scrollToBottom();
    this.text.value = '';
    this.files = [];
    this.renderFiles();
    this.setReply(null);
    this.updateCount();
    this.dispatch(entry);
  }

  dispatch(entry) {
    this.setStatus(entry, 'Sending…', false);
    const frame = { type: 'message.send', thread: this.thread, text: entry.text, client_id: entry.client_id };
    if (entry.reply_to) frame.reply_to = entry.reply_to;
    // Support answers go over REST only: they are the desk's (role agent), not the user's.
    if (!entry.files.length && this.kind !== 'support' && this.live.send(frame)) {
      // No ack in time (a socket that died silently): the same client id over REST
      // posts at most once.
      entry.timer = setTimeout(() => this.sendRest(entry), SEND_ACK_TIMEOUT_MS);
    } else {
      this.sendRest(entry);
    }
  }

  async sendRest(entry) {
    clearTimeout(entry.timer);
    if (!this.pending.has(entry.client_id)) return;
    try {
      const data = await api('POST', `${this.base}/send/`, {
        text: entry.text, client_id: entry.client_id, reply_to: entry.reply_to, files: entry.files.map((f) => f.id),
      });
      this.confirm(data.message, entry.client_id);
    } catch (error) {
      entry.unreachable = !error.status;
      this.fail(entry, error.status ? error.message : 'Could not reach the server.');
    }
  }

  setStatus(entry, text, failed) {
    const status = entry.el.querySelector('.send-status');
    status.replaceChildren(text);
    status.hidden = false;
    status.setAttribute('role', failed ? 'alert' : 'status');
    entry.el.classList.toggle('failed', failed);
    if (failed) {
      status.append(' ',
        h('button', { type: 'button', class: 'small', 'data-retry': '' }, 'Retry'), ' ',
        h('button', { type: 'button', class: 'small', 'data-discard': '' }, 'Discard'));
    }
  }

  fail(entry, reason) {
    clearTimeout(entry.timer);
    if (!this.pending.has(entry.client_id)) return;
    this.setStatus(entry, `Not sent: ${reason}`, true);
  }

  retry(clientId) {
    const entry = this.pending.get(clientId);
    if (entry) {
      this.dispatch(entry);
      entry.el.querySelector('.send-status').focus?.();
    }
  }

  discard(clientId) {
    const entry = this.pending.get(clientId);
    if (!entry) return;
    this.pending.delete(clientId);
    entry.el.remove();
    this.text.focus();
  }

  // A message of ours is on the server: replace its optimistic copy (if any).
  confirm(message, clientId = message.client_id) {
    const entry = clientId ? this.pending.get(clientId) : null;
    if (entry) {
      clearTimeout(entry.timer);
      this.pending.delete(clientId);
      if (this.messages.has(message.id)) {
        entry.el.remove();
        return;
      }
      this.messages.set(message.id, this.normalise(message));
      const el = messageElement(this.normalise(message), this.ctx);
      entry.el.replaceWith(el);
      return;
    }
    if (!this.messages.has(message.id)) this.put(message, 'sorted');
  }

  // --- live ----------------------------------------------------------------------------

  onFrame(frame) {
    if (frame.type === 'resync' || (frame.type === 'socket.open' && this.wasClosed)) {
      this.wasClosed = false;
      if (frame.type === 'resync') this.reload();
      this.retryPendingOverRest();
      return;
    }
    if (frame.type === 'socket.closed') {
      this.wasClosed = true;
      this.retryPendingOverRest();
      return;
    }
    if (frame.type === 'message.ack') {
      if (this.pending.has(frame.client_id)) this.confirm(frame.message);
      return;
    }
    if (frame.type === 'error') {
      const entry = this.pending.get(frame.client_id);
      if (entry) this.fail(entry, frame.error?.detail || 'refused');
      return;
    }
    if (frame.thread !== this.thread) return;
    const data = frame.data || {};
    if (this.sort !== 'newest' && frame.type.startsWith('message.') || this.sort !== 'newest' && frame.type.startsWith('pin.') || this.sort === 'top' && frame.type.startsWith('reaction.')) {
      if (frame.type === 'message.created' && this.pending.has(data.message?.client_id)) this.confirm(data.message);
      this.scheduleReload();
      if (frame.type === 'message.created') this.markRead();
      return;
    }
    switch (frame.type) {
      case 'message.created': {
        const mine = data.message.author && data.message.author.id === this.me;
        const stick = this.nearBottom() || mine;
        if (mine && this.pending.has(data.message.client_id)) this.confirm(data.message);
        else if (!this.messages.has(data.message.id)) this.put(data.message, 'sorted');
        if (stick) {
          this.scrollToBottom();
          this.markRead();
        } else {
          this.showNewBelow();
        }
        break;
      }
      case 'message.updated':
      case 'message.restored': {
        const old = this.messages.get(data.message.id);
        if (old) this.put({ ...old, ...data.message }, 'sorted');
        else if (frame.type === 'message.restored') this.put(data.message, 'sorted');
        break;
      }
      case 'message.removed':
        this.removeMessage(data.message.id);
        break;
      case 'reaction.added':
      case 'reaction.removed':
        this.applyReactionEvent(data.reaction, frame.type === 'reaction.added');
        break;
      case 'pin.added':
      case 'pin.removed':
        this.setPinned(data.pin.message, frame.type === 'pin.added');
        break;
      case 'member.removed':
        if (data.user && data.user.id === this.me) location.assign('/');
        break;
      case 'thread.removed':
        location.assign('/');
        break;
      default:
        break;
    }
  }

  // The connection is back: what is still waiting goes over REST, and so does what failed
  // only because the server could not be reached (same client id: never sent twice).
  // What the server refused stays refused.
  retryPendingOverRest() {
    for (const entry of this.pending.values()) {
      if (!entry.el.classList.contains('failed') || entry.unreachable) this.sendRest(entry);
    }
  }

  removeMessage(id) {
    this.messages.delete(id);
    this.element(id)?.remove();
    for (const message of this.messages.values()) {
      if (message.reply && message.reply.id === id) message.reply = { ...message.reply, removed: true };
    }
    for (const text of this.log.querySelectorAll(`blockquote.quote[data-reply-to="${CSS.escape(id)}"] .quote-text`)) {
      text.textContent = 'a removed message';
    }
  }

  applyReactions(id, reactions) {
    const message = this.messages.get(id);
    if (!message) return;
    message.reactions = reactions;
    this.refreshReactions(id);
  }

  applyReactionEvent(reaction, added) {
    const message = this.messages.get(reaction.message);
    if (!message) return;
    const entry = message.reactions[reaction.name] || { count: 0, users: [] };
    const users = new Set(entry.users);
    if (added) users.add(reaction.user.id);
    else users.delete(reaction.user.id);
    message.reactions[reaction.name] = { count: users.size, users: [...users] };
    this.refreshReactions(reaction.message);
  }

  setPinned(id, pinned) {
    const message = this.messages.get(id);
    if (!message) return;
    message.pinned = pinned;
    const el = this.element(id);
    if (!el) return;
    el.querySelector('.pin-flag').hidden = !pinned;
    const button = el.querySelector('[data-action="pin"]');
    if (button) {
      button.textContent = pinned ? 'Unpin' : 'Pin';
      button.setAttribute('aria-pressed', pinned ? 'true' : 'false');
    }
  }
}
