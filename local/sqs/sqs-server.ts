import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { readBody } from '../../shared/http-body.js';
import { SqsError } from './fifo-queue.js';
import type { DeadLettered } from './fifo-queue.js';
import { Journal, type JournalOptions } from './journal.js';
import { SqsService } from './sqs-service.js';

export interface SqsServerOptions {
  port: number;
  host?: string;
  /** Keep the queues in `<dataDir>/sqs` (a journal) across restarts; in memory when absent. */
  dataDir?: string;
  /** FIFO's deduplication interval (default SQS's 5 minutes; tests shorten it). */
  dedupWindowMs?: number;
  /** When the journal is compacted while running (defaults: journal.ts). */
  journal?: JournalOptions;
  /** Told of every message moved to a dead-letter queue (default: a line on stderr). */
  onDeadLetter?: (moved: DeadLettered) => void;
}

export interface RunningSqsServer {
  port: number;
  /** `http://host:port`, the endpoint for the AWS SDK. */
  url: string;
  close(): Promise<void>;
}

/** SQS's FIFO deduplication interval. */
export const SQS_DEDUP_WINDOW_MS = 5 * 60_000;
/** Largest request read (a batch of ten 1 MiB messages is refused by SQS anyway). */
const MAX_REQUEST_BYTES = 12 * 1024 * 1024;
const JSON_TYPE = 'application/x-amz-json-1.0';

/**
 * A local SQS endpoint speaking the JSON protocol of the AWS SDK v3, serving FIFO queues
 * (SqsService). With `dataDir`, every acknowledged change is in a journal before the
 * answer goes out, and a restart replays it (compacted): what a SendMessage acknowledged
 * survives `kill -9`. Messages in flight when the process died come back visible, with
 * their receive counts. The journal is compacted at start and, between requests, whenever
 * it has grown well past the live state (journal.ts), so it stays as large as what is
 * queued, not as the traffic that came and went.
 */
export async function startSqsServer(options: SqsServerOptions): Promise<RunningSqsServer> {
  const host = options.host ?? '127.0.0.1';
  const dir = options.dataDir ? join(options.dataDir, 'sqs') : undefined;
  const journal = dir ? Journal.open(dir, options.journal) : undefined;
  const service = new SqsService({
    dedupWindowMs: options.dedupWindowMs ?? SQS_DEDUP_WINDOW_MS,
    accountId: '000000000000',
    region: process.env.AWS_REGION ?? 'us-east-1',
    ...(journal ? { log: journal } : {}),
    ...(options.onDeadLetter ? { onDeadLetter: options.onDeadLetter } : {}),
  });
  if (journal && dir) {
    service.replay(Journal.records(dir));
    journal.compact(service.snapshot());
  }
  /** Between requests the queues are consistent (every change is synchronous): the moment to compact. */
  const compactIfGrown = () => {
    if (!journal?.needsCompaction()) return;
    try {
      journal.compact(service.snapshot());
    } catch (err) {
      console.error('edgeim local SQS: compacting the journal failed (it keeps growing; retried later):', err);
    }
  };

  let baseUrl = '';
  const server = createServer((req, res) => void handle(service, baseUrl, req, res).finally(compactIfGrown));
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  baseUrl = `http://${host}:${port}`;
  return {
    port,
    url: baseUrl,
    async close() {
      service.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      journal?.close();
    },
  };
}

async function handle(service: SqsService, baseUrl: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const closed = new Promise<void>((resolve) => res.once('close', () => resolve()));
  try {
    const target = String(req.headers['x-amz-target'] ?? '');
    const body = await readBody(req, MAX_REQUEST_BYTES);
    if (!body) throw new SqsError('RequestTooLarge', 'The request is too large.', 'RequestTooLarge', 413);
    const text = body.toString('utf8');
    if (!target.startsWith('AmazonSQS.')) throw new SqsError('InvalidAction', 'The local SQS speaks the JSON protocol only (X-Amz-Target: AmazonSQS.<Action>).', 'InvalidAction');
    let input: Record<string, unknown>;
    try {
      input = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch (err) {
      throw new SqsError('SerializationException', 'The request body is not valid JSON.', 'SerializationException', 400, { cause: err });
    }
    const out = await service.handle(target.slice('AmazonSQS.'.length), input, baseUrl, closed);
    reply(res, 200, out);
  } catch (err) {
    if (err instanceof SqsError) {
      reply(res, err.status, { __type: `com.amazonaws.sqs#${err.type}`, message: err.message }, { 'x-amzn-query-error': `${err.queryCode};Sender` });
    } else {
      reply(res, 500, { __type: 'com.amazonaws.sqs#InternalError', message: String(err) });
    }
  }
}

function reply(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.writableEnded || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': JSON_TYPE, 'content-length': Buffer.byteLength(text), 'x-amzn-requestid': randomUUID(), ...headers }).end(text);
}

