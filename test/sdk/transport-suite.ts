import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { disconnectReason, type DisconnectReason } from '../../gateway/disconnect-codes.js';
import type { LocalStack } from '../../local/stack.js';
import { wsApiTransport, type Transport } from '../../sdk/index.js';
import { createDocumentClient } from '../../shared/aws/dynamo-client.js';
import { startTestStack } from '../helpers/local-stack.js';
import { NodeWebSocket, probe, sleep, texts, type Probe } from './sdk-helpers.js';

/** How one transport is reached on the stack, and how its server side kills a connection. */
export interface TransportCase {
  name: string;
  /** A transport for this stack, or undefined when the stack does not serve it. */
  make(stack: LocalStack): Transport | undefined;
  /** Ways the server side loses every connection of `uid` (by name). */
  kills: Record<string, (stack: LocalStack, uid: string) => Promise<void>>;
}

/** Kills `uid`'s gateway-held sockets abruptly (no DisconnectReply, no FIN first: a reset). */
export async function destroyGatewaySockets(stack: LocalStack, uid: string): Promise<void> {
  const refs = await stack.app.sessions.byUser(uid, Date.now());
  const channels = refs.map((r) => stack.gateway.gateway.channel(r.connectionId)).filter((c) => c !== undefined);
  expect(channels.length).toBeGreaterThan(0);
  for (const ch of channels) ch.destroy();
}

/** Closes `uid`'s gateway connections as a draining task does: DisconnectReply SERVER_SHUTDOWN (`reconnect: true`), then the close. */
export async function shutDownGatewayConnections(stack: LocalStack, uid: string): Promise<void> {
  await closeGatewayConnections(stack, uid, disconnectReason('SERVER_SHUTDOWN', 'server is shutting down; reconnect'));
}

/** Closes `uid`'s gateway connections with a DisconnectReply of the gateway's own making. */
export async function closeGatewayConnections(stack: LocalStack, uid: string, reason: DisconnectReason): Promise<void> {
  const refs = await stack.app.sessions.byUser(uid, Date.now());
  const channels = refs.map((r) => stack.gateway.gateway.channel(r.connectionId)).filter((c) => c !== undefined);
  expect(channels.length).toBeGreaterThan(0);
  for (const ch of channels) stack.gateway.gateway.close(ch, reason, true);
}

/** Drops `uid`'s WebSocket API connections as API Gateway may lose them: no close frame, no `$disconnect`. */
export async function dropApiConnections(stack: LocalStack, uid: string): Promise<void> {
  const refs = await stack.app.sessions.byUser(uid, Date.now());
  expect(refs.length).toBeGreaterThan(0);
  for (const ref of refs) stack.emulator.dropWithoutDisconnect(ref.connectionId);
}

/** Closes `uid`'s connections through `DELETE @connections/{id}` on each session's endpoint (signed for gateway tasks, as the job signs). */
export async function deleteConnections(stack: LocalStack, uid: string): Promise<void> {
  const refs = await stack.app.sessions.byUser(uid, Date.now());
  expect(refs.length).toBeGreaterThan(0);
  for (const ref of refs) await stack.app.delivery.disconnect(ref.endpoint, ref.connectionId);
}

/**
 * One suite, every transport: 1:1, group and room traffic; reconnection after a
 * server-side close with the other user sending throughout; gap and hole handling.
 */
export function transportSuite(tc: TransportCase): void {
  describe(`SDK over ${tc.name}`, () => {
    let stack: LocalStack;
    let transport: Transport | undefined;
    let opened: Probe[] = [];
    const p = (tag: string) => `${tc.name.replace(/[^a-z]/g, '')}-${tag}`;

    beforeAll(async () => {
      // A hole (below) counts as one after 300 ms here, not 15 s.
      stack = await startTestStack({ env: { EDGEIM_TIMELINE_SETTLE_MS: '300' } });
      transport = tc.make(stack);
    });
    afterEach(() => {
      for (const x of opened) x.client.close();
      opened = [];
    });
    afterAll(async () => {
      await stack?.close();
    });

    const wsApi = () => wsApiTransport({ url: stack.wsUrl, WebSocket: NodeWebSocket });
    const start = async (uid: string, options: Parameters<typeof probe>[2] = {}, over?: Transport) => {
      const x = await probe(uid, over ?? transport!, options, opened);
      const synced = new Promise<void>((resolve) => x.client.on('synced', () => resolve()));
      await x.client.connect();
      await synced;
      return x;
    };

    it('sends and receives 1:1, each side sees the message once on its inbox', async ({ skip }) => {
      if (!transport) skip(`the local stack does not serve ${tc.name} yet`);
      const [alice, bob] = [await start(p('alice1')), await start(p('bob1'))];
      const sent = await alice.client.send({ user: p('bob1') }, { text: 'hello' });
      expect(sent.msgId).toMatch(/^\d+$/);
      const [got] = await bob.waitFor(1);
      expect(got).toMatchObject({ timeline: 'inbox', seq: 1, message: { id: sent.msgId, from: p('alice1'), body: { text: 'hello' }, cmid: sent.cmid } });
      // alice's own message is not pushed back to her; it is in her history, and bob's answer (seq 2) comes in order
      expect((await alice.client.history(`u:${[p('alice1'), p('bob1')].sort().join(':')}`)).map((m) => m.message.id)).toEqual([sent.msgId]);
      const answer = await bob.client.send({ user: p('alice1') }, { text: 'hi' });
      const [back] = await alice.waitFor(1);
      expect(back).toMatchObject({ timeline: 'inbox', seq: 2, message: { id: answer.msgId } });
      await sleep(200);
      expect(bob.messages).toHaveLength(1);
      expect(alice.messages).toHaveLength(1);
    });

    it('sends to a group and every member receives it', async ({ skip }) => {
      if (!transport) skip(`the local stack does not serve ${tc.name} yet`);
      const gid = p('team');
      const owner = await start(p('gowner'), {}, wsApi());
      await owner.client.createGroup({ group: gid, name: 'Team', members: [p('gm1'), p('gm2')] });
      const [m1, m2] = [await start(p('gm1')), await start(p('gm2'))];
      await m1.client.send({ group: gid }, { text: 'to the team' });
      for (const x of [m2, owner]) {
        const [m] = await x.waitFor(1);
        expect(m!.message).toMatchObject({ conv: `g:${gid}`, from: p('gm1'), body: { text: 'to the team' } });
      }
      expect(m1.messages).toEqual([]); // the sender has it from send()
    });

    it('joins a room and exchanges transient messages (seq 0)', async ({ skip }) => {
      if (!transport) skip(`the local stack does not serve ${tc.name} yet`);
      const room = p('lobby');
      const [a, b] = [await start(p('ra')), await start(p('rb'))];
      expect(await a.client.join(room)).toBeGreaterThanOrEqual(1);
      expect(await b.client.join(room)).toBe(2);
      await a.client.send({ room }, { text: 'live' });
      const [m] = await b.waitFor(1);
      expect(m).toMatchObject({ timeline: `room:${room}`, seq: 0, message: { conv: `r:${room}`, body: { text: 'live' } } });
    });

    for (const [how, kill] of Object.entries(tc.kills)) {
      it(`reconnects after ${how} while the other user sends: every message once, in seq order; offline sends delivered once`, async ({ skip }) => {
        if (!transport) skip(`the local stack does not serve ${tc.name} yet`);
        const tag = how.replace(/[^a-z]/g, '').slice(0, 12);
        const [ann, ben] = [p(`ann-${tag}`), p(`ben-${tag}`)];
        const sender = await start(ann, {}, wsApi());
        const receiver = await start(ben, { backoff: { baseMs: 600, maxMs: 600, random: () => 0.99 } });
        const total = 40;
        const sending = (async () => {
          for (let i = 0; i < total; i++) {
            await sender.client.send({ user: ben }, { text: `m${i}` });
            await sleep(15);
          }
        })();
        await receiver.waitFor(5, (m) => m.message.from === ann);
        await kill(stack, ben);
        await receiver.waitState('reconnecting');
        const offline = [receiver.client.send({ user: ann }, { text: 'sent while offline 1' }), receiver.client.send({ user: ann }, { text: 'sent while offline 2' })];
        expect(receiver.client.state).toBe('reconnecting');
        await sending;
        await Promise.all(offline);
        const fromAnn = await receiver.waitFor(total, (m) => m.message.from === ann, 20_000);
        await sender.waitFor(2, (m) => m.message.from === ben);
        await stack.drain();
        await sleep(500);

        const seen = receiver.messages.filter((m) => m.message.from === ann);
        expect(texts(seen)).toEqual(Array.from({ length: total }, (_, i) => `m${i}`));
        expect(new Set(receiver.messages.map((m) => m.message.id)).size).toBe(receiver.messages.length);
        const seqs = receiver.messages.map((m) => m.seq);
        expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
        expect(fromAnn.length).toBe(total);
        expect(texts(sender.messages.filter((m) => m.message.from === ben))).toEqual(['sent while offline 1', 'sent while offline 2']);
        expect(receiver.states).toContain('reconnecting');
        const page = (await sender.client.request('sync', { timeline: 'inbox', after: 0, limit: 200 })) as { messages: { message: { body: { text: string } } }[] };
        expect(page.messages.filter((m) => m.message.body.text.startsWith('sent while offline'))).toHaveLength(2);
      }, 60_000);
    }

    it('re-pulls after a gap (a pushed message lost on the way) and shows every message once', async ({ skip }) => {
      if (!transport) skip(`the local stack does not serve ${tc.name} yet`);
      const [gus, gia] = [p('gus'), p('gia')];
      const syncs: number[] = [];
      const lossy = dropping(transport!, (f) => f.type === 'message' && f.seq === 3, (action, fields) => action === 'sync' && syncs.push(fields.after as number));
      const sender = await start(gus, {}, wsApi());
      const receiver = await start(gia, {}, lossy);
      for (let i = 1; i <= 5; i++) await sender.client.send({ user: gia }, { text: `g${i}` });
      await receiver.waitFor(5);
      await sleep(300);
      expect(texts(receiver.messages)).toEqual(['g1', 'g2', 'g3', 'g4', 'g5']);
      expect(receiver.messages.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5]);
      expect(syncs).toContain(2);
    });

    it('moves past a hole that one re-pull does not fill', async ({ skip }) => {
      if (!transport) skip(`the local stack does not serve ${tc.name} yet`);
      const [hal, hum] = [p('hal'), p('hum')];
      const sender = await start(hal, {}, wsApi());
      const receiver = await start(hum);
      await sender.client.send({ user: hum }, { text: 'h1' });
      await receiver.waitFor(1);
      await stack.drain();
      // A process that died between taking seq 2 and storing the message: the head moves, nothing is stored.
      const db = createDocumentClient(stack.config);
      await db.send(new UpdateCommand({ TableName: stack.config.EDGEIM_TIMELINES_TABLE, Key: { pk: `tl#user:${hum}`, sk: 0 }, UpdateExpression: 'ADD head :one', ExpressionAttributeValues: { ':one': 1 } }));
      db.destroy();
      await sender.client.send({ user: hum }, { text: 'h3' });
      await sender.client.send({ user: hum }, { text: 'h4' });
      await receiver.waitFor(3);
      await sleep(300);
      expect(receiver.messages.map((m) => [m.seq, (m.message.body as { text: string }).text])).toEqual([
        [1, 'h1'],
        [3, 'h3'],
        [4, 'h4'],
      ]);
    });
  });
}

/** Wraps a transport: drops pushed frames matching `drop`, and reports requests to `spy`. */
export function dropping(
  inner: Transport,
  drop: (f: { type: string; seq?: number }) => boolean,
  spy: (action: string, fields: Record<string, unknown>) => unknown = () => undefined,
): Transport {
  let dropped = false;
  return {
    kind: inner.kind,
    defaultHeartbeatMs: inner.defaultHeartbeatMs,
    async connect(token, handlers) {
      const conn = await inner.connect(token, {
        onFrame: (f) => {
          if (!dropped && drop(f as { type: string; seq?: number })) {
            dropped = true;
            return;
          }
          handlers.onFrame(f);
        },
        onClose: handlers.onClose,
      });
      return {
        heartbeatHintMs: conn.heartbeatHintMs,
        close: () => conn.close(),
        request: (action, fields = {}, timeoutMs) => {
          spy(action, fields);
          return conn.request(action, fields, timeoutMs);
        },
      };
    },
  };
}
