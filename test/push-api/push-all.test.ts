import { describe, expect, it } from 'vitest';
import { useTestStack } from '../helpers/local-stack.js';
import { nextPush, PushApiClient, type Receiver } from '../helpers/push-api-client.js';

/** When each receiver got the push of `op` (epoch ms). */
const arrivals = (receivers: Receiver[], op: number) =>
  Promise.all(receivers.map((r) => nextPush(r, op, undefined, 20_000).then(() => Date.now())));

describe('push to everyone', () => {
  const t = useTestStack();
  const api = () => new PushApiClient(t.stack.pushUrl);
  const N = 8;
  let receivers: Receiver[] = [];

  it('reaches every live connection, unpaced, through /v1/push and /goim/push/all', async () => {
    receivers = await Promise.all(Array.from({ length: N }, (_, i) => t.connect(`all-${i}`)));

    const started = Date.now();
    const v1 = arrivals(receivers, 1100);
    const res = await api().post('/v1/push', { op: 1100, body: { hello: 'everyone' }, to: { all: true } });
    expect(res.status).toBe(202);
    expect(res.body.connections).toBe(N);
    const times = await v1;
    expect(Math.max(...times) - started).toBeLessThan(3000);

    const goim = arrivals(receivers, 1101);
    const g = await api().goim('POST', '/push/all', { operation: 1101 }, 'to all');
    expect(g.body).toMatchObject({ code: 0, data: { connections: N } });
    await goim;
  });

  it('honours speed: connections per second, measured from arrival times', async () => {
    const speed = 2;
    for (const [op, send] of [
      [1102, () => api().post('/v1/push', { op: 1102, body: 'paced', to: { all: true }, speed })],
      [1103, () => api().goim('POST', '/push/all', { operation: 1103, speed }, 'paced')],
    ] as const) {
      const pending = arrivals(receivers, op);
      await send();
      const times = (await pending).sort((a, b) => a - b);
      const spread = (times.at(-1)! - times[0]!) / 1000;
      // Pages of `speed` connections one second apart: N/speed pages span N/speed - 1 seconds.
      const expected = N / speed - 1;
      const rate = (N - speed) / spread; // connections after the first page, over the time they took
      console.log(`push-all op ${op}: ${N} connections at speed ${speed}/s arrived over ${spread.toFixed(2)} s [${times.map((x) => x - times[0]!).join(', ')} ms] (${rate.toFixed(2)} connections/s after the first page)`);
      expect(spread).toBeGreaterThanOrEqual(expected * 0.9);
      expect(spread).toBeLessThan(expected + 3);
      expect(rate).toBeLessThanOrEqual(speed * 1.15);
      // Arrivals come in bursts (pages) about a second apart, none bigger than `speed`.
      const bursts: number[][] = [];
      for (const at of times) {
        const last = bursts.at(-1);
        if (last && at - last.at(-1)! < 300) last.push(at);
        else bursts.push([at]);
      }
      expect(bursts.map((b) => b.length)).toEqual(Array.from({ length: N / speed }, () => speed));
    }
  });
});
