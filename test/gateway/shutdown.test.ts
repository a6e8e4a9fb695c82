import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../local/stack.js';
import { LOCAL_JWT_SECRET } from '../../shared/config.js';
import { GoimClient, OP } from '../helpers/goim-client.js';
import { startTestStack } from '../helpers/local-stack.js';
import { sleep } from '../helpers/ws-client.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('gateway graceful shutdown', () => {
  let stack: LocalStack;

  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(async () => {
    await stack.close();
  });

  it('close(): every client gets SERVER_SHUTDOWN, sessions are removed, new connections are refused', async () => {
    const ports = { tcp: stack.gateway.ports.tcp, wsUrl: stack.gateway.wsUrl };
    const clients = await Promise.all([GoimClient.connect('tcp', ports, 'sd1'), GoimClient.connect('ws', ports, 'sd2')]);
    const waiting = await GoimClient.tcp(ports.tcp); // not authenticated yet
    await clients[0].call(OP.Join, OP.JoinReply, { room: 'sd-room' });

    await stack.gateway.close();
    for (const c of [...clients, waiting]) {
      expect((await c.next((p) => p.op === OP.DisconnectReply)).json).toMatchObject({ code: 'SERVER_SHUTDOWN' });
      await c.closed;
    }
    const now = Date.now();
    expect(await stack.app.sessions.byUser('sd1', now)).toEqual([]);
    expect(await stack.app.sessions.byUser('sd2', now)).toEqual([]);
    expect(await stack.app.sessions.roomCount('sd-room', now)).toBe(0);
    await expect(GoimClient.tcp(ports.tcp)).rejects.toThrow();
  });

  it('SIGTERM on the standalone gateway: clients told, sessions gone, process exits 0 in time', async () => {
    const c = stack.config;
    const child = spawn(process.execPath, ['--import', 'tsx', 'gateway/main.ts'], {
      cwd: root,
      env: {
        ...process.env,
        AWS_ENDPOINT_URL_DYNAMODB: c.AWS_ENDPOINT_URL_DYNAMODB,
        AWS_ENDPOINT_URL_SQS: c.AWS_ENDPOINT_URL_SQS,
        EDGEIM_QUEUE_URL: c.EDGEIM_QUEUE_URL,
        EDGEIM_JWT_SECRET: LOCAL_JWT_SECRET,
        EDGEIM_GATEWAY_SECRET: c.EDGEIM_GATEWAY_SECRET,
        EDGEIM_GATEWAY_HOST: '127.0.0.1',
        EDGEIM_GATEWAY_TCP_PORT: '0',
        EDGEIM_GATEWAY_WS_PORT: '0',
        EDGEIM_GATEWAY_HTTP_PORT: '0',
        EDGEIM_GATEWAY_SHUTDOWN_TIMEOUT_MS: '3000',
        POWERTOOLS_LOG_LEVEL: 'WARN',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const lines = createInterface({ input: child.stdout! });
      const listening = await new Promise<{ tcp: number; ws: number; endpoint: string }>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('gateway did not start')), 20_000);
        lines.on('line', (line) => {
          try {
            const event = JSON.parse(line);
            if (event.event === 'listening') {
              clearTimeout(timer);
              resolve(event);
            }
          } catch {
            // other output
          }
        });
      });
      const ports = { tcp: listening.tcp, wsUrl: `ws://127.0.0.1:${listening.ws}/sub` };
      const clients = await Promise.all([GoimClient.connect('tcp', ports, 'term1'), GoimClient.connect('ws', ports, 'term2')]);
      expect(await stack.app.sessions.byUser('term1', Date.now())).toEqual([expect.objectContaining({ endpoint: listening.endpoint, kind: 'gateway' })]);

      const started = Date.now();
      child.kill('SIGTERM');
      for (const client of clients) {
        expect((await client.next((p) => p.op === OP.DisconnectReply)).json).toMatchObject({ code: 'SERVER_SHUTDOWN' });
        await client.closed;
      }
      expect(await exited).toBe(0);
      expect(Date.now() - started).toBeLessThan(5000);
      expect(await stack.app.sessions.byUser('term1', Date.now())).toEqual([]);
      expect(await stack.app.sessions.byUser('term2', Date.now())).toEqual([]);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await Promise.race([exited, sleep(2000)]);
    }
  });
});
