import type { SQSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createFanoutJob, type JobApp } from '../../functions/fanout-job.js';
import { queueText } from '../../shared/aws/sqs-job-queue.js';
import { domainSettings, loadConfig } from '../../shared/config.js';
import { parseJob } from '../../shared/domain/jobs.js';
import type { Job } from '../../shared/domain/model.js';
import { InvalidJobError } from '../../shared/errors.js';
import type { Message } from '../../shared/protocol/frames.js';

const message = (to: Message['to']): Message => ({ id: '7', conv: 'c', from: 'ann', to, body: { text: 'hi \uffff' }, cmid: 'k1', sentAt: 1 });

describe('jobs as the queue carries them', () => {
  it('reads back every kind of job as it was enqueued', () => {
    const jobs: Job[] = [
      { kind: 'message', message: message({ user: 'bob' }), origin: 'c1', repeat: true },
      { kind: 'message', message: { ...message({ group: 'g' }), backend: true } },
      { kind: 'room', room: 'live:1', message: message({ room: 'live:1' }), origin: 'c1' },
      { kind: 'push', push: { id: 'p', op: 1000, body: 'AA==', encoding: 'base64', to: { all: true }, speed: 5, cursor: 'x', page: 2, notBefore: 9 } },
      { kind: 'push', push: { id: 'p', op: 2 ** 31 - 1, body: null, to: { key: 'k' } } },
    ];
    for (const job of jobs) expect(parseJob(queueText(job))).toEqual(job);
  });

  it("gives a room job enqueued before jobs carried their room the message's room", () => {
    const job = parseJob(JSON.stringify({ kind: 'room', message: message({ room: 'lobby' }) }));
    expect(job).toEqual({ kind: 'room', room: 'lobby', message: message({ room: 'lobby' }) });
  });

  it('refuses what is not a job with InvalidJobError (INTERNAL), naming the problem', () => {
    const bad: [string, RegExp][] = [
      ['not json', /not valid JSON/],
      [JSON.stringify({ kind: 'nope' }), /kind/],
      [JSON.stringify({ kind: 'message', message: { ...message({ user: 'bob' }), sentAt: 'yesterday' } }), /message\.sentAt/],
      [JSON.stringify({ kind: 'push', push: { id: 'p', op: 999, body: 1, to: { all: true } } }), /push\.op/],
      [JSON.stringify({ kind: 'push', push: { id: 'p', op: 1000, body: 1, to: { everyone: true } } }), /push\.to/],
      [JSON.stringify({ kind: 'room', message: message({ user: 'bob' }) }), /names no room/],
    ];
    for (const [text, problem] of bad) {
      const err = (() => {
        try {
          parseJob(text);
        } catch (e) {
          return e;
        }
      })();
      expect(err, text).toBeInstanceOf(InvalidJobError);
      expect((err as InvalidJobError).code).toBe('INTERNAL');
      expect((err as Error).message, text).toMatch(problem);
    }
  });

  it('fails a malformed record (and the rest of its conversation) and logs the error itself', async () => {
    const errors: Record<string, unknown>[] = [];
    const app = {
      settings: domainSettings(loadConfig({})),
      clock: { now: () => 0 },
      logger: { warn: () => undefined, error: (_m: string, extra: Record<string, unknown>) => void errors.push(extra) },
    } as unknown as JobApp;
    const record = (messageId: string, body: string, group: string) => ({ messageId, body, attributes: { ApproximateReceiveCount: '1', MessageGroupId: group } });
    const event = { Records: [record('m1', '{"kind":"message"}', 'g'), record('m2', '{"kind":"push"}', 'g'), record('m3', 'x', 'h')] } as unknown as SQSEvent;
    const reply = await createFanoutJob(async () => app)(event);
    expect(reply.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(['m1', 'm2', 'm3']);
    expect(errors.map((e) => e.messageId)).toEqual(['m1', 'm3']);
    expect(errors.every((e) => e.err instanceof InvalidJobError)).toBe(true);
  });
});
