/**
 * The demo page's DOM: the conversation list and the message list. Everything a message
 * carries is hostile, so it only ever becomes text nodes and `<a>` elements with http(s)
 * `href`s made by `linkify` — never HTML.
 */
import type { ChatModel, Conversation, ConversationKind, Entry } from './chat-model.js';
import { bodyText, dayKey, dayLabel, linkify, timeLabel } from './text-format.js';

/** Builds an element with a class and text (text only: never HTML). */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, className = '', text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** What the lists show beside the model. */
export interface ViewState {
  current: Conversation | undefined;
  /** Live connections per user. */
  online: Map<string, number>;
  /** Live connections per room. */
  rooms: Map<string, number>;
}

const SECTIONS: [string, ConversationKind[]][] = [
  ['people', ['person']],
  ['groups', ['group']],
  ['rooms', ['room']],
  ['backend', ['backend', 'pushes']],
];

/** Renders the conversation list; `select` runs when one is clicked. */
export function renderNav(model: ChatModel, view: ViewState, select: (c: Conversation) => void): void {
  for (const [id, kinds] of SECTIONS) {
    const box = document.getElementById(id)!;
    box.replaceChildren(
      ...[...model.convs.values()]
        .filter((c) => kinds.includes(c.kind))
        .map((c) => {
          const b = el('button', c === view.current ? 'active' : '');
          b.type = 'button';
          b.dataset.conv = c.conv;
          if (c.kind === 'person') {
            const n = view.online.get(c.target && 'user' in c.target ? c.target.user : '') ?? 0;
            const dot = el('span', n > 0 ? 'dot online' : 'dot');
            dot.title = n > 0 ? 'online' : 'offline';
            b.append(dot);
          }
          if (c.kind === 'backend' || c.kind === 'pushes') b.append(el('span', 'tag', c.kind === 'pushes' ? 'push' : 'backend'));
          b.append(el('span', 'label', c.label));
          if (c.kind === 'room' && c.target && 'room' in c.target) b.append(el('span', 'meta', `${view.rooms.get(c.target.room) ?? 0} online`));
          b.append(el('span', 'badge', c.unread > 0 ? String(c.unread) : ''));
          b.addEventListener('click', () => select(c));
          return b;
        }),
    );
  }
}

/** Renders the current conversation's messages, with day separators; `retry` runs from a failed message's button. */
export function renderMessages(view: ViewState, retry: (e: Entry) => void): void {
  const c = view.current;
  if (!c) return;
  document.getElementById('title')!.textContent = c.kind === 'person' ? `Chat with ${c.label}` : c.kind === 'pushes' ? 'Backend pushes (not stored)' : c.label;
  const list = document.getElementById('messages')!;
  const stick = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  const now = Date.now();
  const nodes: HTMLElement[] = [];
  let day = '';
  for (const e of c.entries) {
    if (dayKey(e.sentAt) !== day) {
      day = dayKey(e.sentAt);
      nodes.push(el('div', 'day', dayLabel(e.sentAt, now)));
    }
    nodes.push(messageNode(e, retry));
  }
  if (nodes.length === 0) nodes.push(el('p', 'empty', c.kind === 'pushes' ? 'Pushes from the push API (/v1/push, /goim/push/*) show here.' : 'No messages yet. Say hi!'));
  list.replaceChildren(...nodes);
  if (stick) list.scrollTop = list.scrollHeight;
}

function messageNode(e: Entry, retry: (e: Entry) => void): HTMLElement {
  const kind = e.op !== undefined ? 'push' : e.backend ? 'backend' : e.mine ? 'mine' : '';
  const div = el('div', `msg ${kind}`.trim());
  if (e.id) div.dataset.id = e.id;
  div.dataset.cmid = e.cmid;
  const who = el('div', 'who');
  who.append(el('span', 'from', e.op !== undefined ? 'Backend push' : e.from));
  if (e.op !== undefined) who.append(el('span', 'tag', `op ${e.op}`));
  else if (e.backend) who.append(el('span', 'tag', 'backend'));
  const text = el('div', 'text');
  for (const piece of linkify(bodyText(e.body))) {
    if ('href' in piece) {
      const a = el('a', '', piece.text);
      a.href = piece.href;
      a.target = '_blank';
      a.rel = 'noopener noreferrer nofollow';
      text.append(a);
    } else {
      text.append(document.createTextNode(piece.text));
    }
  }
  const meta = el('div', 'meta');
  const time = el('time', '', timeLabel(e.sentAt));
  time.dateTime = new Date(e.sentAt).toISOString();
  time.title = new Date(e.sentAt).toLocaleString();
  meta.append(time);
  if (e.status) meta.append(statusNode(e, retry));
  div.append(who, text, meta);
  return div;
}

const STATUS_TEXT = { pending: '🕓 sending…', sent: '✓', delivered: '✓✓', read: '✓✓', failed: '⚠ not sent' } as const;
const STATUS_TITLE = { pending: 'waiting for the server', sent: 'stored by the server', delivered: 'delivered to a device', read: 'read', failed: 'not sent' } as const;

function statusNode(e: Entry, retry: (e: Entry) => void): HTMLElement {
  const status = e.status!;
  const span = el('span', `status ${status}`, STATUS_TEXT[status]);
  span.title = e.error ? `${STATUS_TITLE[status]}: ${e.error}` : STATUS_TITLE[status];
  if (status !== 'failed') return span;
  const box = el('span', 'failed-box');
  const why = el('span', 'why', e.error ?? '');
  const button = el('button', 'retry', 'Retry');
  button.type = 'button';
  button.addEventListener('click', () => retry(e));
  box.append(span, why, button);
  return box;
}
