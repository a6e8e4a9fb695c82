import { describe, expect, it } from 'vitest';
import { LOCAL_JWT_SECRET } from '../../shared/config.js';
import { signToken } from '../../shared/domain/auth.js';
import { encode, GoimClient, OP } from '../helpers/goim-client.js';
import { useTestStack } from '../helpers/local-stack.js';
import { PushApiClient } from '../helpers/push-api-client.js';
import { TestClient } from '../helpers/ws-client.js';

const GOIM_CLIENTS = 1500;
const WS_CLIENTS = 500;
const SPREAD_MS = 1000;
/** Generous: this test asserts outcomes (all in, no failure codes), never speed. */
const PATIENCE_MS = 240_000;

/** Far shorter than the storm takes: only a client that sends no Auth may be timed out. */
const HANDSHAKE_MS = 1000;

/**
 * A connect storm on the local stack: 1 500 goim TCP clients (each with goim's
 * `room_id`) and 500 WebSocket-API clients start connecting within one second, each
 * sending its Auth (or upgrade) at once. The handshake timeout (1 s here) covers a
 * client that sends no Auth, never the server's own time: however slow a loaded machine
 * makes the storm, no client that sent Auth may be timed out, while a silent one still is.
 */
describe('connect storm', () => {
  const t = useTestStack({ env: { EDGEIM_HANDSHAKE_TIMEOUT_MS: String(HANDSHAKE_MS) } });

  it(`lets every one of ${GOIM_CLIENTS} goim TCP + ${WS_CLIENTS} WebSocket-API clients in, answers presence meanwhile, and each gets a room broadcast after`, { timeout: 2 * PATIENCE_MS }, async () => {
    const stack = t.stack;
    const api = new PushApiClient(stack.pushUrl);
    const goimTokens = await Promise.all(Array.from({ length: GOIM_CLIENTS }, (_, i) => signToken(`storm-g${i}`, LOCAL_JWT_SECRET)));
    const failures: Record<string, number> = {};
    const fail = (code: string) => (failures[code] = (failures[code] ?? 0) + 1);
    const goim: GoimClient[] = [];
    const web: TestClient[] = [];

    let shed = 0;
    /** One goim client: in, or a failure code; told OVERLOADED, it comes back after retryAfterMs as the protocol asks. */
    const goimClient = async (i: number): Promise<void> => {
      let c: GoimClient;
      try {
        c = await GoimClient.tcp(stack.gateway.ports.tcp);
      } catch (err) {
        return void fail(`connect ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
      }
      const answer = c.next((p) => p.op === OP.AuthReply || p.op === OP.DisconnectReply, PATIENCE_MS);
      c.write(encode(OP.Auth, JSON.stringify({ token: goimTokens[i], key: `d${i}`, room_id: 'storm://1', accepts: [1000] }), 1));
      const reply = await Promise.race([answer, c.closed.then(() => null)]).catch(() => undefined);
      const disconnect = reply?.op === OP.DisconnectReply ? reply : c.log.find((p) => p.op === OP.DisconnectReply);
      if (reply?.op === OP.AuthReply) return void goim.push(c);
      if (disconnect?.json?.code === 'OVERLOADED' && disconnect.json.reconnect && disconnect.json.retryAfterMs > 0) {
        shed++;
        await new Promise((r) => setTimeout(r, disconnect.json.retryAfterMs));
        return goimClient(i);
      }
      fail(disconnect ? `DisconnectReply ${disconnect.json?.code}` : reply === undefined ? 'no answer' : 'closed without a reply (reset)');
    };
    const webClient = async (i: number) => {
      try {
        web.push(await TestClient.connect(stack.wsUrl, `storm-w${i}`));
      } catch (err) {
        fail(`upgrade ${(err as Error).message}`);
      }
    };

    const silent = await GoimClient.tcp(stack.gateway.ports.tcp); // connects and never sends Auth
    const silentAnswer = silent.next((p) => p.op === OP.DisconnectReply, PATIENCE_MS);
    // Presence and counts are asked while the storm runs; they must answer (speed is the bench's).
    const during = Promise.all([api.goim('GET', '/online/total'), api.get('/v1/users/storm-g0/presence'), api.goim('GET', '/online/room', { type: 'storm', rooms: ['1'] })]);
    const jobs: (() => Promise<unknown>)[] = [];
    for (let g = 0, w = 0; g + w < GOIM_CLIENTS + WS_CLIENTS; ) {
      const gi = g;
      const wi = w;
      if ((g + w) % 4 === 3 && w < WS_CLIENTS) (jobs.push(() => webClient(wi)), w++);
      else (jobs.push(() => goimClient(gi)), g++);
    }
    const total = jobs.length;
    const started: Promise<unknown>[] = [];
    for (let tick = 0; tick < 20; tick++) {
      for (let k = Math.floor((tick * total) / 20); k < Math.floor(((tick + 1) * total) / 20); k++) started.push(jobs[k]!());
      await new Promise((r) => setTimeout(r, SPREAD_MS / 20));
    }
    await Promise.all(started);
    for (const answer of await during) expect(answer.status).toBe(200);

    expect(failures).toEqual({}); // OVERLOADED is not a failure: those clients came back and got in
    if (shed > 0) console.info(`connect storm: ${shed} Auths were answered OVERLOADED and came back`);
    expect((await silentAnswer).json).toMatchObject({ code: 'HANDSHAKE_TIMEOUT', reconnect: true });
    expect(goim).toHaveLength(GOIM_CLIENTS);
    expect(web).toHaveLength(WS_CLIENTS);
    const total1 = await api.goim('GET', '/online/total');
    expect(total1.body.data).toEqual({ ip_count: total, conn_count: total });

    // Everyone in the room, then one broadcast reaches all of them.
    await Promise.all(web.map((c) => c.call('join', { room: 'storm:1' })));
    expect((await api.goim('GET', '/online/room', { type: 'storm', rooms: ['1'] })).body.data).toEqual({ '1': total });
    const pushed = await api.goim('POST', '/push/room', { operation: 1000, type: 'storm', room: '1' }, 'after the storm');
    expect(pushed.body).toMatchObject({ code: 0, data: { connections: total } });
    const got = await Promise.all([
      ...goim.map((c) => c.next((p) => p.op === 1000, PATIENCE_MS).then((p) => p.body.toString())),
      ...web.map((c) => c.next((f) => f.type === 'push' && f.op === 1000, PATIENCE_MS).then((f) => f.body as string)),
    ]);
    expect(new Set(got)).toEqual(new Set(['after the storm']));
    expect(got).toHaveLength(total);

    await Promise.all([...goim.map((c) => c.close()), ...web.map((c) => c.close())]);
  });
});
