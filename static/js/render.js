// One message as DOM. Used for the first page, "Load earlier", search results, live
// frames and the composer's optimistic copy alike.

import { h } from './dom.js';
import { clock } from './time.js';

export const THUMBS = [
  { name: ':thumbsup:', emoji: '👍', label: 'Like' },
  { name: ':thumbsdown:', emoji: '👎', label: 'Dislike' },
];
const EMOJI = { ':thumbsup:': '👍', ':thumbsdown:': '👎', ':heart:': '❤️', ':tada:': '🎉', ':smile:': '😄', ':eyes:': '👀' };

// http(s) addresses in a message become links; everything else stays text. A trailing
// sentence mark is left out of the address ("see https://example.com.").
const URL_PATTERN = /\bhttps?:\/\/[^\s<>"]+[^\s<>".,;:!?)\]'}]/g;

export function linkified(text) {
  const parts = [];
  let at = 0;
  for (const match of text.matchAll(URL_PATTERN)) {
    if (match.index > at) parts.push(text.slice(at, match.index));
    parts.push(h('a', { href: match[0], target: '_blank', rel: 'noopener noreferrer nofollow' }, match[0]));
    at = match.index + match[0].length;
  }
  if (at < text.length) parts.push(text.slice(at));
  return parts;
}

function size(bytes) {
  if (bytes >= 1048576) return `${(bytes / 1048576).toFixed(1)} MB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${bytes} B`;
}

export function fileUrl(attachment) {
  return attachment.url || `/web/files/${attachment.id}/`;
}

function files(message) {
  const list = h('ul', { class: 'files' });
  for (const file of message.attachments || []) {
    const url = fileUrl(file);
    if ((file.content_type || '').startsWith('image/')) {
      list.append(h('li', { class: 'image' },
        h('a', { href: url, target: '_blank', rel: 'noopener' },
          h('img', { src: `${url}?thumb=1`, alt: file.name, loading: 'lazy' }))));
    } else {
      list.append(h('li', { class: 'file' },
        h('a', { href: url, download: file.name }, `📎 ${file.name}`), h('span', { class: 'muted' }, ` ${size(file.size || 0)}`)));
    }
  }
  return list;
}

function quote(message, ctx) {
  const target = message.reply || ctx.lookup(message.reply_to);
  const who = target && target.author ? target.author.name : 'someone';
  let text = 'an earlier message';
  if (target && target.removed) text = 'a removed message';
  else if (target && target.text) text = target.text.length > 140 ? `${target.text.slice(0, 140)}…` : target.text;
  else if (target && target.attachments && target.attachments.length) text = '📎 file';
  return h('blockquote', { class: 'quote', 'data-reply-to': message.reply_to },
    h('span', { class: 'quote-who' }, `↪ ${who}: `), h('span', { class: 'quote-text' }, text));
}

export function reactionButtons(message, ctx) {
  const group = h('span', { class: 'reactions' });
  const reactions = message.reactions || {};
  const names = [...THUMBS.map((t) => t.name), ...Object.keys(reactions).filter((n) => !EMOJI[n] || !THUMBS.some((t) => t.name === n))];
  for (const name of names) {
    const entry = reactions[name] || { count: 0, users: [] };
    const thumb = THUMBS.find((t) => t.name === name);
    if (!thumb && entry.count === 0) continue;
    const mine = entry.users.includes(ctx.me);
    const label = thumb ? thumb.label : name;
    group.append(h('button', {
      type: 'button', class: `small reaction${mine ? ' mine' : ''}`, 'data-reaction': name,
      'aria-pressed': mine ? 'true' : 'false', 'aria-label': `${label}, ${entry.count}`,
      disabled: ctx.readonly || message.pending,
    }, `${EMOJI[name] || name} `, h('span', { class: 'count' }, String(entry.count))));
  }
  return group;
}

function authorName(message, mine) {
  if (mine) return message.pending ? 'You' : `${message.author.name} (you)`;
  if (message.author) return message.author.name;
  if (message.role === 'agent') return 'Support';
  if (message.role === 'system') return 'System';
  return 'Unknown';
}

export function messageElement(message, ctx) {
  const mine = message.author && message.author.id === ctx.me;
  const el = h('article', {
    class: `msg${mine ? ' mine' : ''}${message.pending ? ' pending' : ''}${message.role === 'agent' ? ' agent' : ''}`,
    'data-id': message.id, 'aria-label': `${authorName(message, mine)}, ${clock(message.created_at)}`,
  });
  if (message.client_id) el.dataset.clientId = message.client_id;
  const head = h('header', { class: 'msg-head' },
    h('span', { class: 'author' }, authorName(message, mine)),
    message.role === 'agent' ? h('span', { class: 'tag' }, 'Agent') : null,
    message.role === 'assistant' ? h('span', { class: 'tag' }, 'Assistant') : null,
    message.author && message.author.external ? h('span', { class: 'tag' }, 'Customer') : null,
    h('time', { datetime: message.created_at, title: new Date(message.created_at).toLocaleString() }, clock(message.created_at)),
    h('span', { class: 'pin-flag', hidden: !message.pinned }, '📌 Pinned'),
    message.edited_at ? h('span', { class: 'muted' }, '(edited)') : null);
  el.append(head);
  if (message.reply_to) el.append(quote(message, ctx));
  if (message.text) el.append(h('p', { class: 'text' }, linkified(message.text)));
  if ((message.attachments || []).length) el.append(files(message));
  if (!ctx.readonly) {
    const actions = h('div', { class: 'actions', role: 'group', 'aria-label': 'Message actions' });
    actions.append(reactionButtons(message, ctx));
    if (!message.pending) {
      if (ctx.customReactions && !ctx.support) actions.append(h('button', { type: 'button', class: 'small', 'data-action': 'react-other' }, 'React…'));
      if (!ctx.support) actions.append(h('button', { type: 'button', class: 'small', 'data-action': 'reply' }, 'Reply'));
      if (ctx.moderator && ctx.canPin) {
        actions.append(h('button', { type: 'button', class: 'small', 'data-action': 'pin', 'aria-pressed': message.pinned ? 'true' : 'false' }, message.pinned ? 'Unpin' : 'Pin'));
      }
      if (mine || ctx.moderator) actions.append(h('button', { type: 'button', class: 'small danger', 'data-action': 'remove' }, 'Remove'));
    }
    el.append(actions);
  }
  el.append(h('p', { class: 'send-status', role: message.failed ? 'alert' : null, hidden: !message.pending }, message.pending ? 'Sending…' : ''));
  return el;
}
