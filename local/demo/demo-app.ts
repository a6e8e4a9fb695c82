/**
 * The demo chat page's script: the SDK (from source) over the WebSocket API, no
 * framework. Bundled for the browser by the local runtime (esbuild). `?user=alice`
 * connects at once.
 */
import { IndexedDbStorage } from '../../sdk/browser.js';
import { EdgeImClient, EdgeImError, MemoryStorage, newCmid, wsApiTransport, type ClientStorage, type StateChange } from '../../sdk/index.js';
import { ChatModel, type Conversation, type Entry } from './chat-model.js';
import { renderMessages, renderNav, type ViewState } from './chat-view.js';
import type { DemoConfig } from './demo-server.js';

const GROUP = 'demo-team';
const ROOM = 'lobby';
const STATUS_EVERY_MS = 1500;

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const config = (await (await fetch('/demo/config')).json()) as DemoConfig;
const params = new URLSearchParams(location.search);

let client: EdgeImClient | undefined;
let model = new ChatModel('');
const view: ViewState = { current: undefined, online: new Map(), rooms: new Map() };

for (const u of config.users) $('user').append(new Option(u, u));
const asked = params.get('user');
if (asked) {
  if (config.users.includes(asked)) $<HTMLSelectElement>('user').value = asked;
  else $<HTMLInputElement>('custom').value = asked;
}
$('connect').addEventListener('click', () => void start($<HTMLInputElement>('custom').value.trim() || $<HTMLSelectElement>('user').value, $<HTMLInputElement>('token').value.trim()));
$('retry-now').addEventListener('click', () => client?.reconnectNow());
$('notice-close').addEventListener('click', () => notice(''));
$('composer').addEventListener('submit', (ev) => {
  ev.preventDefault();
  sendTyped();
});
addEventListener('online', () => client?.reconnectNow());

/** Shows (or with '' clears) the one notice line: errors a person must see, not just the console. */
function notice(text: string, kind: 'error' | 'warn' = 'error'): void {
  $('notice').hidden = !text;
  $('notice').className = kind;
  $('notice-text').textContent = text;
}

async function demoToken(uid: string): Promise<string> {
  const res = await fetch(`/demo/token?uid=${encodeURIComponent(uid)}`);
  const body = (await res.json()) as { token?: string; error?: string };
  if (!body.token) throw new Error(body.error ?? `no token (HTTP ${res.status})`);
  return body.token;
}

/** Why a pasted token would be refused (a browser cannot see the upgrade's 401): the server's own verdict. */
async function checkToken(token: string): Promise<string> {
  const body = (await (await fetch('/demo/check-token', { method: 'POST', body: JSON.stringify({ token }) })).json()) as { uid?: string; error?: string };
  if (!body.uid) throw new Error(body.error ?? 'the server refuses this token');
  return body.uid;
}

async function start(uidAsked: string, pasted: string): Promise<void> {
  client?.close();
  client = undefined;
  notice('');
  let uid = uidAsked;
  let token: string;
  try {
    if (pasted) uid = await checkToken(pasted);
    token = pasted || (await demoToken(uid));
  } catch (err) {
    setState('idle');
    notice(`${pasted ? 'Token refused' : 'Cannot sign in'}: ${(err as Error).message}`);
    return;
  }
  model = new ChatModel(uid);
  view.current = undefined;
  $('me').textContent = uid;
  history.replaceState(null, '', `?user=${encodeURIComponent(uid)}`);
  let storage: ClientStorage;
  try {
    storage = await IndexedDbStorage.open(uid);
  } catch {
    storage = new MemoryStorage();
  }
  for (const u of config.users) if (u !== uid) model.conversation({ user: u });
  model.conversation({ group: GROUP });
  model.conversation({ room: ROOM });
  model.readUpTo = await fetchStatus(new URLSearchParams({ me: uid }))
    .then((r) => r.read)
    .catch(() => 0);
  for (const conv of await storage.conversations()) for (const m of await storage.history(conv, 200)) model.receive(m, { live: false });
  render();

  const c = new EdgeImClient({
    transport: wsApiTransport({ url: config.wsUrl, platform: 'web', device: `web-${Math.random().toString(36).slice(2, 8)}` }),
    token,
    refreshToken: pasted ? () => null : () => demoToken(uid),
    storage,
    heartbeat: { adaptive: true },
    backoff: { maxMs: 5000 },
  });
  client = c;
  c.on('state', (s) => {
    setState(s.state, s);
    if (s.state === 'open') void afterOpen(c);
  });
  c.on('message', (m) => {
    const conv = model.receive(m, { live: true, current: view.current });
    if (conv && conv === view.current && m.seq > 0 && m.message.from !== uid) c.markRead(m.timeline, m.seq);
    render();
  });
  c.on('push', (p) => {
    model.push(p, view.current);
    render();
  });
  c.on('error', (e) => {
    if (!['NETWORK', 'DISCONNECTED', 'TIMEOUT', 'CLOSED', 'UNAUTHORIZED', 'CONFIGURATION'].includes(e.code)) notice(`${e.code}: ${e.message}`);
  });
  void c.join(ROOM);
  await c.connect().catch(() => undefined); // the state handler shows why
}

function setState(state: string, s?: StateChange): void {
  const badge = $('state');
  badge.className = state;
  const retry = s?.retryInMs !== undefined ? ` · retry in ${Math.ceil(s.retryInMs / 1000)} s` : '';
  badge.textContent = `${state}${retry}`;
  $('retry-now').hidden = state !== 'reconnecting';
  $<HTMLButtonElement>('send').disabled = $<HTMLInputElement>('text').disabled = !view.current?.target;
  if (state === 'open') {
    if ($('notice').className === 'warn') notice('');
  } else if (state === 'reconnecting' && s?.error) {
    const why = s.error.code === 'NETWORK' ? `cannot reach ${config.wsUrl} (a browser cannot tell a refused token from a network failure)` : s.error.message;
    notice(`Connection lost: ${why}. Sending waits until it is back.`, 'warn');
  } else if (state === 'unauthorized' || (state === 'closed' && s?.error && s.error.code !== 'CLOSED')) {
    notice(`Disconnected: ${s?.error?.message ?? state}`);
  }
}

async function afterOpen(c: EdgeImClient): Promise<void> {
  try {
    await c.createGroup({ group: GROUP, name: 'Demo team', members: config.users });
  } catch {
    // it exists already (made by another demo user, with everyone in it)
  }
  const online = await c.join(ROOM).catch(() => undefined); // joined already (rejoined on connect): this reads the count
  if (online !== undefined) view.rooms.set(ROOM, online);
  await refreshStatus();
  render();
}

function select(c: Conversation): void {
  view.current = c;
  c.unread = 0;
  markCurrentRead();
  $<HTMLButtonElement>('send').disabled = $<HTMLInputElement>('text').disabled = !c.target;
  $<HTMLInputElement>('text').placeholder = c.target ? 'Write a message' : 'Backend messages cannot be answered here';
  render();
  if (c.target) $('text').focus();
}

function markCurrentRead(): void {
  const last = view.current?.entries.filter((e) => !e.mine && e.timeline && e.seq && e.seq > 0).at(-1);
  if (last) client?.markRead(last.timeline as 'inbox', last.seq!);
}

function sendTyped(): void {
  const input = $<HTMLInputElement>('text');
  const text = input.value.trim();
  const conv = view.current;
  if (!text || !conv?.target) return;
  input.value = '';
  const entry = model.typed(conv, { text }, newCmid());
  render();
  void deliver(conv, entry);
}

/** Sends one entry (again, on retry: same cmid, so the server keeps it once) and shows the outcome. */
async function deliver(conv: Conversation, entry: Entry): Promise<void> {
  const c = client;
  if (!c || !conv.target) return model.failed(entry, 'not signed in');
  try {
    const { msgId } = await c.send(conv.target, entry.body, { cmid: entry.cmid, timeoutMs: config.sendTimeoutMs });
    model.confirmed(entry, msgId);
  } catch (err) {
    const e = err as EdgeImError;
    model.failed(entry, e.code === 'TIMEOUT' ? 'no connection' : `${e.code}: ${e.message}`);
  }
  render();
}

function retry(entry: Entry): void {
  const conv = [...model.convs.values()].find((c) => c.entries.includes(entry));
  if (!conv) return;
  model.retrying(entry);
  client?.reconnectNow();
  render();
  void deliver(conv, entry);
}

function render(): void {
  renderNav(model, view, select);
  renderMessages(view, retry);
}

let lastStatus = '';

/** Presence, room counts and receipts from the local runtime, for every tab alike (renders only what changed). */
async function refreshStatus(): Promise<void> {
  if (!model.me) return;
  const q = new URLSearchParams({ uids: config.users.join(','), rooms: ROOM, me: model.me, receipts: model.awaitingReceipts().join(',') });
  try {
    const res = await fetchStatus(q);
    const seen = JSON.stringify([res.users, res.rooms]);
    let changed = seen !== lastStatus;
    lastStatus = seen;
    view.online = new Map(Object.entries(res.users));
    view.rooms = new Map(Object.entries(res.rooms));
    for (const r of Object.values(res.receipts)) changed = model.receipts(r.delivered, r.read) || changed;
    if (changed) render();
  } catch {
    // the local runtime went away; the state badge says so
  }
}
interface Status {
  users: Record<string, number>;
  rooms: Record<string, number>;
  receipts: Record<string, { delivered: string[]; read: string[] }>;
  read: number;
}

async function fetchStatus(q: URLSearchParams): Promise<Status> {
  return (await (await fetch(`/demo/status?${q}`)).json()) as Status;
}

setInterval(() => void refreshStatus(), STATUS_EVERY_MS);
if (asked) void start(asked, '');
