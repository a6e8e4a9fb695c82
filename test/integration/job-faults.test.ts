import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Session } from '../../shared/domain/model.js';
import { useTestStack } from '../helpers/local-stack.js';
import type { Frame } from '../helpers/ws-client.js';

const listenOn = (server: Server) => new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
const texts = (frames: Frame[]) => frames.map((f) => f.message.body.text);

/**
 * The fan-out job against gateway tasks that died and endpoints that refuse a frame for
 * good: neither may hold up other recipients or the conversation.
 */
describe('fan-out job faults', () => {
  const t = useTestStack({ env: { EDGEIM_DELIVERY_TIMEOUT_MS: '300', EDGEIM_DELIVERY_MAX_ATTEMPTS: '1' } });
  /** A port nothing listens on (connection refused) and a server that accepts TCP and never answers. */
  let refused: string;
  let blackHole: string;
  const held: Socket[] = [];
  const hole = createServer((socket) => void held.push(socket));
  beforeAll(async () => {
    const gone = createHttpServer();
    refused = `http://127.0.0.1:${await listenOn(gone as unknown as Server)}`;
    await new Promise<void>((r) => gone.close(() => r()));
    blackHole = `http://127.0.0.1:${await listenOn(hole)}`;
  });
  afterAll(async () => {
    for (const s of held) s.destroy();
    await new Promise<void>((r) => hole.close(() => r()));
  });

  /** A session as a gateway task at `endpoint` would have written it. */
  const deadSession = async (uid: string, connectionId: string, endpoint: string): Promise<Session> => {
    const now = Date.now();
    const session: Session = { connectionId, uid, endpoint, kind: 'gateway', device: connectionId, platform: 'goim', rooms: [], connectedAt: now, expiresAt: Math.floor(now / 1000) + 3600 };
    await t.stack.app.sessions.put(session);
    return session;
  };
  const sessionsOf = async (uid: string) => (await t.stack.app.sessions.byUser(uid, Date.now())).map((r) => r.connectionId).sort();

  it('a dead gateway task (refused, or silent) holds up no one: others get every message once, in order; its sessions are removed', async () => {
    const alice = await t.connect('alice');
    const bob = await t.connect('bob');
    await deadSession('dave', 'dave-refused', refused);
    await deadSession('dave', 'dave-hole', blackHole);
    expect(await sessionsOf('dave')).toEqual(['dave-hole', 'dave-refused']);
    await alice.call('createGroup', { group: 'crew', members: ['bob', 'dave'] });

    const ids: string[] = [];
    for (const text of ['one', 'two', 'three']) ids.push((await alice.call('send', { to: { group: 'crew' }, cmid: `crew-${text}`, body: { text } })).msgId);
    const got = await bob.messages(3);
    expect(got.map((f) => f.message.id)).toEqual(ids);
    expect(got.map((f) => f.seq)).toEqual([1, 2, 3]);
    await t.stack.drain();
    expect(bob.pending('message')).toEqual([]); // no record was retried
    expect(held.length).toBeGreaterThan(0); // the black hole was really called
    expect(await sessionsOf('dave')).toEqual([]);

    const dave = await t.connect('dave');
    const page = await dave.call('sync', { timeline: 'inbox' });
    expect(page.messages.map((m: Frame) => m.message.id)).toEqual(ids); // stored for him all the same
  });

  it('a room broadcast to a dead gateway task holds up no one and removes its members', async () => {
    const [carol, erin] = [await t.connect('carol'), await t.connect('erin')];
    await carol.call('join', { room: 'hall:1' });
    await erin.call('join', { room: 'hall:1' });
    await deadSession('frank', 'frank-hole', blackHole);
    await t.stack.app.sessions.joinRoom('frank-hole', 'hall:1', Date.now());
    for (const text of ['r1', 'r2']) await carol.call('send', { to: { room: 'hall:1' }, body: { text } });
    expect(texts(await erin.messages(2))).toEqual(['r1', 'r2']);
    expect(await sessionsOf('frank')).toEqual([]);
    expect((await t.stack.app.sessions.roomMembers('hall:1', Date.now())).map((r) => r.connectionId)).not.toContain('frank-hole');
  });

  it('a frame refused with a 4xx is skipped (logged), not retried: the conversation goes on; a 5xx is retried in order', async () => {
    const gina = await t.connect('gina');
    const hank = await t.connect('hank');
    const [hankId] = await sessionsOf('hank');
    t.stack.emulator.injectPostFault({ match: (data, id) => id === hankId && data.includes('BAD-FRAME'), times: 1000, status: 400 });
    t.stack.emulator.injectPostFault({ match: (data, id) => id === hankId && data.includes('TOO-BIG'), times: 1000, status: 413 });
    t.stack.emulator.injectPostFault({ match: (data, id) => id === hankId && data.includes('BUSY'), times: 1, status: 503 });

    const sent: string[] = [];
    const send = async (text: string) => {
      const { msgId } = await gina.call('send', { to: { user: 'hank' }, cmid: text, body: { text } });
      sent.push(msgId);
      await t.stack.drain(); // one job each: frames are not merged across them
    };
    for (const text of ['BAD-FRAME', 'after-bad', 'TOO-BIG', 'BUSY', 'after-busy']) await send(text);
    expect(texts(await hank.messages(3))).toEqual(['after-bad', 'BUSY', 'after-busy']);
    await t.stack.drain();
    expect(hank.pending('message')).toEqual([]);
    const page = await hank.call('sync', { timeline: 'inbox' });
    expect(page.messages.map((m: Frame) => m.message.id)).toEqual(sent); // everything is stored, in order
  });
});
