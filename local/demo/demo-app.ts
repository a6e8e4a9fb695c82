/**
 * The demo chat page's script: the SDK over the WebSocket API, no framework. Bundled for
 * the browser by the local runtime (esbuild). `?user=alice` connects at once.
 */
import { IndexedDbStorage } from '../../sdk/browser.js';
import { convOf, EdgeImClient, MemoryStorage, wsApiTransport, type ClientStorage, type Target, type TimelineMessage } from '../../sdk/index.js';

const GROUP = 'demo-team';
const ROOM = 'lobby';

interface Conversation {
  conv: string;
  target: Target;
  label: string;
  kind: 'person' | 'group' | 'room';
  unread: number;
  messages: TimelineMessage[];
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const config = (await (await fetch('/demo/config')).json()) as { wsUrl: string; users: string[] };
const params = new URLSearchParams(location.search);

let client: EdgeImClient | undefined;
let me = '';
let current: Conversation | undefined;
const convs = new Map<string, Conversation>();
const seen = new Set<string>();
const presence = new Map<string, number>();
let roomOnline = 0;

for (const u of config.users) $('user').append(new Option(u, u));
if (params.get('user')) {
  const u = params.get('user')!;
  if (config.users.includes(u)) ($('user') as HTMLSelectElement).value = u;
  else ($('custom') as HTMLInputElement).value = u;
}
$('connect').addEventListener('click', () => void start(($('custom') as HTMLInputElement).value.trim() || ($('user') as HTMLSelectElement).value));
$('composer').addEventListener('submit', (ev) => {
  ev.preventDefault();
  void sendCurrent();
});

async function token(uid: string): Promise<string> {
  const res = await fetch(`/demo/token?uid=${encodeURIComponent(uid)}`);
  const body = (await res.json()) as { token?: string; error?: string };
  if (!body.token) throw new Error(body.error ?? 'no token');
  return body.token;
}

async function start(uid: string): Promise<void> {
  client?.close();
  convs.clear();
  seen.clear();
  current = undefined;
  me = uid;
  $('me').textContent = `signed in as ${uid}`;
  history.replaceState(null, '', `?user=${encodeURIComponent(uid)}`);
  let storage: ClientStorage;
  try {
    storage = await IndexedDbStorage.open(uid);
  } catch {
    storage = new MemoryStorage();
  }
  for (const u of config.users) if (u !== uid) conversation({ user: u }, u, 'person');
  conversation({ group: GROUP }, `# ${GROUP}`, 'group');
  conversation({ room: ROOM }, `~ ${ROOM}`, 'room');
  for (const conv of await storage.conversations()) for (const m of await storage.history(conv, 100)) add(m, false);
  render();

  const c = new EdgeImClient({
    transport: wsApiTransport({ url: config.wsUrl, platform: 'web', device: `web-${Math.random().toString(36).slice(2, 8)}` }),
    token: await token(uid),
    refreshToken: () => token(uid),
    storage,
    heartbeat: { adaptive: true },
  });
  client = c;
  c.on('state', ({ state, retryInMs }) => {
    $('state').textContent = retryInMs !== undefined ? `${state} (retry in ${(retryInMs / 1000).toFixed(1)} s)` : state;
    $('state').className = state;
    const open = state === 'open';
    ($('text') as HTMLInputElement).disabled = !current;
    ($('send') as HTMLButtonElement).disabled = !current;
    if (open) void afterOpen(c);
  });
  c.on('message', (m) => {
    add(m, true);
    render();
  });
  c.on('error', (e) => log(`${e.code}: ${e.message}`));
  await c.connect().catch((e: Error) => log(e.message));
}

async function afterOpen(c: EdgeImClient): Promise<void> {
  try {
    await c.createGroup({ group: GROUP, name: 'Demo team', members: config.users });
  } catch {
    // it exists already (made by another demo user, with everyone in it)
  }
  roomOnline = (await c.join(ROOM).catch(() => undefined)) ?? roomOnline;
  render();
}

function conversation(target: Target, label: string, kind: Conversation['kind']): Conversation {
  const conv = convOf(me, target);
  let c = convs.get(conv);
  if (!c) convs.set(conv, (c = { conv, target, label, kind, unread: 0, messages: [] }));
  return c;
}

function add(m: TimelineMessage, live: boolean): void {
  if (seen.has(m.message.id)) return;
  seen.add(m.message.id);
  const msg = m.message;
  const target: Target = msg.conv.startsWith('u:') ? { user: msg.from === me ? ('user' in msg.to ? msg.to.user : msg.from) : msg.from } : msg.to;
  const label = 'user' in target ? target.user : 'group' in target ? `# ${target.group}` : `~ ${target.room}`;
  const c = conversation(target, label, 'user' in target ? 'person' : 'group' in target ? 'group' : 'room');
  c.messages.push(m);
  if (live && msg.from !== me && c !== current) c.unread++;
  if (c === current && m.seq > 0 && msg.from !== me) client?.markRead(m.timeline, m.seq);
}

function select(c: Conversation): void {
  current = c;
  c.unread = 0;
  const last = c.messages.filter((m) => m.seq > 0).at(-1);
  if (last) client?.markRead(last.timeline, last.seq);
  ($('text') as HTMLInputElement).disabled = false;
  ($('send') as HTMLButtonElement).disabled = false;
  render();
  $('text').focus();
}

async function sendCurrent(): Promise<void> {
  const input = $('text') as HTMLInputElement;
  const text = input.value.trim();
  if (!text || !current || !client) return;
  input.value = '';
  try {
    await client.send(current.target, { text });
  } catch (err) {
    log(`not sent: ${(err as Error).message}`);
  }
}

function render(): void {
  for (const kind of ['person', 'group', 'room'] as const) {
    const box = $(kind === 'person' ? 'people' : kind === 'group' ? 'groups' : 'rooms');
    box.replaceChildren(
      ...[...convs.values()]
        .filter((c) => c.kind === kind)
        .map((c) => {
          const b = document.createElement('button');
          b.type = 'button';
          b.dataset.conv = c.conv;
          if (c === current) b.className = 'active';
          if (kind === 'person') {
            const dot = document.createElement('span');
            const uid = 'user' in c.target ? c.target.user : '';
            dot.className = (presence.get(uid) ?? 0) > 0 ? 'dot online' : 'dot';
            dot.title = (presence.get(uid) ?? 0) > 0 ? 'online' : 'offline';
            b.append(dot);
          }
          b.append(c.label);
          if (kind === 'room') {
            const meta = document.createElement('span');
            meta.className = 'meta';
            meta.textContent = `${roomOnline} online`;
            b.append(meta);
          }
          const badge = document.createElement('span');
          badge.className = 'badge';
          badge.textContent = c.unread > 0 ? String(c.unread) : '';
          b.append(badge);
          b.addEventListener('click', () => select(c));
          return b;
        }),
    );
  }
  if (!current) return;
  $('title').textContent = current.kind === 'person' ? `Chat with ${current.label}` : current.label;
  const list = $('messages');
  list.replaceChildren(
    ...(current.messages.length === 0
      ? [Object.assign(document.createElement('p'), { className: 'empty', textContent: 'No messages yet. Say hi!' })]
      : current.messages.map((m) => {
          const div = document.createElement('div');
          div.className = m.message.from === me ? 'msg mine' : 'msg';
          const who = document.createElement('div');
          who.className = 'who';
          who.textContent = `${m.message.from} · ${new Date(m.message.sentAt).toLocaleTimeString()}`;
          const body = m.message.body as { text?: unknown };
          div.append(who, typeof body?.text === 'string' ? body.text : JSON.stringify(m.message.body));
          return div;
        })),
  );
  list.scrollTop = list.scrollHeight;
}

function log(text: string): void {
  $('log').textContent = text;
}

async function pollPresence(): Promise<void> {
  if (me) {
    try {
      const res = (await (await fetch(`/demo/presence?uids=${config.users.join(',')}`)).json()) as Record<string, number>;
      for (const [uid, n] of Object.entries(res)) presence.set(uid, n);
      render();
    } catch {
      // the local runtime went away; the state badge says so
    }
  }
  setTimeout(() => void pollPresence(), 2000);
}
void pollPresence();
if (params.get('user')) void start(params.get('user')!);
