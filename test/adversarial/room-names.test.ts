import { describe, expect, it } from 'vitest';
import { GoimClient, OP } from '../helpers/goim-client.js';
import { useTestStack } from '../helpers/local-stack.js';
import { nextPush, PushApiClient } from '../helpers/push-api-client.js';

/**
 * Room ids are client input, and `constructor`, `__proto__`, `toString` and
 * `hasOwnProperty` are valid ones. Nothing keyed by them may be a plain object: there
 * `counts['constructor'] + 1` is a string and `counts['__proto__'] = n` is dropped.
 */
const NAMES = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'];

describe('rooms named like Object.prototype members', () => {
  const t = useTestStack();

  it('count, broadcast and total like any other room, on both edges and in the push API', async () => {
    const ws = await t.connect('proto-ws');
    const goim = await GoimClient.connect('tcp', { tcp: t.stack.gateway.ports.tcp, wsUrl: t.stack.gateway.wsUrl }, 'proto-goim');
    try {
      for (const room of NAMES) expect(await ws.call('join', { room })).toEqual({ online: 1 });
      for (const room of NAMES) expect(await goim.call(OP.Join, OP.JoinReply, { room })).toEqual({ online: 2 });
      // the heartbeat counts the connection's first room
      const beat = await goim.request(OP.Heartbeat, OP.HeartbeatReply);
      expect(beat.body.readInt32BE(0)).toBe(2);

      const api = new PushApiClient(t.stack.pushUrl);
      for (const room of NAMES) {
        expect((await api.get(`/v1/rooms/${room}/online`)).body).toEqual({ room, online: 2 });
        const res = await api.post('/v1/push', { op: 1000, body: { room }, to: { room } });
        expect(res.status).toBe(202);
        expect(res.body.connections).toBe(2);
      }
      await t.stack.drain();
      for (const room of NAMES) {
        await nextPush(ws, 1000, { room });
        const p = await goim.next((q) => q.op === 1000 && q.json?.room === room);
        expect(p.json).toEqual({ room });
      }

      const counts = await t.stack.app.sessions.liveCounts(Date.now());
      for (const room of NAMES) expect(counts.rooms.get(room)).toBe(2);
      for (const room of NAMES) await ws.call('leave', { room });
      expect(await goim.call(OP.Leave, OP.LeaveReply, { room: '__proto__' })).toEqual({ online: 0 });
      expect((await t.stack.app.sessions.liveCounts(Date.now())).rooms.get('constructor')).toBe(1);
    } finally {
      await goim.close();
    }
  });
});
