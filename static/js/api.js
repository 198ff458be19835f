// fetch() for the pages' JSON endpoints: same-origin cookie, CSRF header, JSON both ways.

export function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : '';
}

export class ApiError extends Error {
  constructor(status, body) {
    const error = (body && body.error) || {};
    super(error.message || `Request failed (${status})`);
    this.status = status;
    this.code = error.code || 'error';
    this.field = error.field || null;
  }
}

export async function api(method, url, body) {
  const headers = { 'X-CSRFToken': csrfToken(), Accept: 'application/json' };
  const init = { method, headers, credentials: 'same-origin' };
  if (body instanceof FormData) {
    init.body = body;
  } else if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const response = await fetch(url, init);
  let data = null;
  const type = response.headers.get('Content-Type') || '';
  if (type.includes('application/json')) data = await response.json();
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

export async function fetchHtml(url) {
  const response = await fetch(url, { credentials: 'same-origin', headers: { Accept: 'text/html' } });
  if (!response.ok) throw new ApiError(response.status, null);
  const template = document.createElement('template');
  // Server-rendered, escaped markup from our own origin; CSP forbids any script in it.
  template.innerHTML = await response.text();
  return template.content;
}

// A client id for message.send; crypto.randomUUID needs a secure context.
export function newClientId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
