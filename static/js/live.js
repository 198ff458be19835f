// The page's one websocket to /ws/events/. It resumes from the last event id it saw
// (the page starts it at the id rendered into <body data-last-event>), so nothing is
// lost between rendering and connecting or across a drop; it shows "Reconnecting…"
// while down and retries with backoff. Handlers get every frame, plus
// {type: 'socket.open'} / {type: 'socket.closed'} for the connection itself.

export class LiveSocket {
  constructor({ since, status }) {
    this.last = Number.isFinite(since) ? since : 0;
    this.status = status;
    this.handlers = new Set();
    this.attempt = 0;
    this.ws = null;
    this.stopped = false;
  }

  on(handler) {
    this.handlers.add(handler);
  }

  emit(frame) {
    for (const handler of this.handlers) handler(frame);
  }

  get isOpen() {
    return this.ws !== null && this.ws.readyState === WebSocket.OPEN;
  }

  url() {
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    return `${scheme}//${location.host}/ws/events/?since=${this.last}`;
  }

  connect() {
    const ws = new WebSocket(this.url());
    this.ws = ws;
    ws.addEventListener('open', () => {
      this.attempt = 0;
      this.setStatus(null);
      document.body.dataset.live = 'open';
      this.emit({ type: 'socket.open' });
    });
    ws.addEventListener('message', (event) => this.receive(ws, event));
    ws.addEventListener('close', (event) => {
      if (this.ws === ws) this.ws = null;
      document.body.dataset.live = 'closed';
      this.emit({ type: 'socket.closed' });
      if (this.stopped) return;
      if (event.code === 4401) {
        this.setStatus('You were signed out. Reload the page to sign in again.');
        return;
      }
      if (event.code === 4400) this.last = 0; // a bad resume point: start over and resync
      this.setStatus('Reconnecting…');
      const delay = Math.min(5000, 300 * 2 ** this.attempt) + Math.random() * 200;
      this.attempt += 1;
      setTimeout(() => this.connect(), delay);
    });
  }

  receive(ws, event) {
    let frame;
    try {
      frame = JSON.parse(event.data);
    } catch {
      return;
    }
    if (frame.type === 'ping') {
      ws.send(JSON.stringify({ type: 'pong' }));
      return;
    }
    if (typeof frame.id === 'number') {
      if (frame.id <= this.last) return; // already seen (replay overlap)
      this.last = frame.id;
    }
    this.emit(frame);
  }

  send(frame) {
    if (!this.isOpen) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  setStatus(text) {
    if (!this.status) return;
    this.status.textContent = text || '';
    this.status.hidden = !text;
    document.body.classList.toggle('offline', Boolean(text));
  }
}
