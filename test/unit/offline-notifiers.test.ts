import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SNSClient } from '@aws-sdk/client-sns';
import { afterEach, describe, expect, it } from 'vitest';
import { noOfflineNotifier, SnsOfflineNotifier, WebhookOfflineNotifier } from '../../shared/aws/offline-notifiers.js';
import type { Message } from '../../shared/protocol/frames.js';

const message: Message = { id: '42', conv: 'u:a:b', from: 'a', to: { user: 'b' }, body: { text: 'hi ✓' }, cmid: 'c1', sentAt: 1_800_000_000_000 };

/** A local HTTP endpoint answering each request with `answer`; keeps every request body. */
async function endpoint(answer: (req: IncomingMessage, body: string, res: ServerResponse) => void): Promise<{ url: string; bodies: string[]; server: Server }> {
  const bodies: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      bodies.push(body);
      answer(req, body, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, bodies, server };
}
const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

/** A warn sink that keeps what it was told. */
const warnings = () => {
  const seen: { message: string; extra: Record<string, unknown> }[] = [];
  return { seen, warn: (m: string, extra: Record<string, unknown>) => void seen.push({ message: m, extra }) };
};

/** A port nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise((resolve) => s.close(resolve));
  return port;
}

describe('WebhookOfflineNotifier', () => {
  it('POSTs {uid, message} as JSON', async () => {
    const hook = await endpoint((_req, _body, res) => res.writeHead(204).end());
    const log = warnings();
    await new WebhookOfflineNotifier(`${hook.url}/offline`, log.warn).offline('b', message);
    expect(hook.bodies.map((b) => JSON.parse(b))).toEqual([{ uid: 'b', message }]);
    expect(log.seen).toEqual([]);
  });

  it('an error answer or an unreachable hook is a warning, never a rejection', async () => {
    const hook = await endpoint((_req, _body, res) => res.writeHead(500).end('down'));
    const log = warnings();
    await expect(new WebhookOfflineNotifier(hook.url, log.warn).offline('b', message)).resolves.toBeUndefined();
    await expect(new WebhookOfflineNotifier(`http://127.0.0.1:${await closedPort()}/x`, log.warn).offline('c', message)).resolves.toBeUndefined();
    expect(log.seen).toEqual([
      { message: expect.any(String), extra: expect.objectContaining({ uid: 'b', status: 500 }) },
      { message: expect.any(String), extra: expect.objectContaining({ uid: 'c' }) },
    ]);
  });
});

describe('SnsOfflineNotifier', () => {
  const topic = 'arn:aws:sns:us-east-1:123456789012:edgeim-offline';
  /** An SNS endpoint (query protocol) giving every call this status and XML. */
  const snsAnswering = (status: number, xml: string) => endpoint((_req, _body, res) => res.writeHead(status, { 'content-type': 'text/xml' }).end(xml));
  const sns = (url: string) => new SNSClient({ region: 'us-east-1', endpoint: url, maxAttempts: 1, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });

  it('publishes {uid, message} to the topic', async () => {
    const api = await snsAnswering(200, '<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>m-1</MessageId></PublishResult><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></PublishResponse>');
    const log = warnings();
    await new SnsOfflineNotifier(sns(api.url), topic, log.warn).offline('b', message);
    const form = new URLSearchParams(api.bodies[0]);
    expect(form.get('Action')).toBe('Publish');
    expect(form.get('TopicArn')).toBe(topic);
    expect(JSON.parse(form.get('Message')!)).toEqual({ uid: 'b', message });
    expect(log.seen).toEqual([]);
  });

  it('a refused or unreachable publish is a warning, never a rejection', async () => {
    const api = await snsAnswering(403, '<ErrorResponse><Error><Type>Sender</Type><Code>AuthorizationError</Code><Message>not allowed</Message></Error><RequestId>r-2</RequestId></ErrorResponse>');
    const log = warnings();
    await expect(new SnsOfflineNotifier(sns(api.url), topic, log.warn).offline('b', message)).resolves.toBeUndefined();
    await expect(new SnsOfflineNotifier(sns(`http://127.0.0.1:${await closedPort()}`), topic, log.warn).offline('c', message)).resolves.toBeUndefined();
    expect(log.seen).toEqual([
      { message: expect.any(String), extra: expect.objectContaining({ uid: 'b', msgId: '42' }) },
      { message: expect.any(String), extra: expect.objectContaining({ uid: 'c', msgId: '42' }) },
    ]);
  });
});

describe('noOfflineNotifier', () => {
  it('does nothing and resolves', async () => {
    await expect(noOfflineNotifier.offline('b', message)).resolves.toBeUndefined();
  });
});
