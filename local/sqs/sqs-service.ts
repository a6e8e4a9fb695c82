import { SQS_ID_PATTERN } from '../../shared/aws/sqs-job-queue.js';
import { DEFAULT_ATTRIBUTES, FifoQueue, md5, SqsError, type DeadLettered, type FifoQueueOptions, type QueueLog, type QueueMessage, type Redrive } from './fifo-queue.js';
import type { JournalRecord } from './journal.js';

type Input = Record<string, unknown>;

interface Waiter {
  max: number;
  visibility: number;
  resolve: (messages: QueueMessage[]) => void;
}

export interface SqsServiceOptions {
  /** FIFO's deduplication interval; SQS's is 5 minutes. */
  dedupWindowMs: number;
  accountId: string;
  region: string;
  log?: QueueLog;
  /** Told of every message moved to a dead-letter queue (default: a line on stderr). */
  onDeadLetter?: (moved: DeadLettered) => void;
}

/** SQS's bounds for a RedrivePolicy's maxReceiveCount. */
const MAX_RECEIVE_COUNT = { min: 1, max: 1000 };
/** Attributes SetQueueAttributes may change (FifoQueue and the like are fixed at creation, as in SQS). */
const SETTABLE = new Set(['VisibilityTimeout', 'MaximumMessageSize', 'MessageRetentionPeriod', 'ReceiveMessageWaitTimeSeconds', 'DelaySeconds', 'RedrivePolicy', 'ContentBasedDeduplication', 'DeduplicationScope', 'FifoThroughputLimit']);

const QUEUE_NAME = /^[A-Za-z0-9_-]{1,75}\.fifo$/;
const BATCH_ID = /^[A-Za-z0-9_-]{1,80}$/;
/** Characters SQS accepts in a message body (XML 1.0's). */
const BAD_BODY_CHAR = /[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/u;
const LONGEST_WAIT_SECONDS = 20;
const SYSTEM_ATTRIBUTES = ['SenderId', 'SentTimestamp', 'ApproximateReceiveCount', 'ApproximateFirstReceiveTimestamp', 'SequenceNumber', 'MessageDeduplicationId', 'MessageGroupId'];

const invalid = (message: string) => new SqsError('InvalidParameterValue', message, 'InvalidParameterValue');
const missing = (name: string) => new SqsError('MissingParameter', `The request must contain the parameter ${name}.`, 'MissingParameter');

function int(input: Input, name: string, min: number, max: number): number | undefined {
  const v = input[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw invalid(`Value ${String(v)} for parameter ${name} is invalid. Reason: must be an integer from ${min} to ${max}.`);
  return v;
}

function entries(input: Input): Input[] {
  const list = input.Entries;
  if (!Array.isArray(list) || list.length === 0) throw new SqsError('EmptyBatchRequest', 'There should be at least one entry in the request.', 'AWS.SimpleQueueService.EmptyBatchRequest');
  if (list.length > 10) throw new SqsError('TooManyEntriesInBatchRequest', 'Maximum number of entries per request are 10.', 'AWS.SimpleQueueService.TooManyEntriesInBatchRequest');
  const ids = new Set<string>();
  for (const e of list as Input[]) {
    if (typeof e.Id !== 'string' || !BATCH_ID.test(e.Id)) throw new SqsError('InvalidBatchEntryId', 'A batch entry id can only contain alphanumeric characters, hyphens and underscores (1-80).', 'AWS.SimpleQueueService.InvalidBatchEntryId');
    if (ids.has(e.Id)) throw new SqsError('BatchEntryIdsNotDistinct', `Id ${e.Id} repeated.`, 'AWS.SimpleQueueService.BatchEntryIdsNotDistinct');
    ids.add(e.Id);
  }
  return list as Input[];
}

/** Runs each entry of a batch on its own: the ones that fail are reported, not thrown. */
function batch<T>(list: Input[], each: (e: Input) => T) {
  const Successful: (T & { Id: string })[] = [];
  const Failed: { Id: string; SenderFault: boolean; Code: string; Message: string }[] = [];
  for (const e of list) {
    try {
      Successful.push({ Id: e.Id as string, ...each(e) });
    } catch (err) {
      if (!(err instanceof SqsError)) throw err;
      Failed.push({ Id: e.Id as string, SenderFault: true, Code: err.type, Message: err.message });
    }
  }
  return { Successful, Failed };
}

/**
 * The SQS actions the stack, the job poller and the tests use, on FIFO queues
 * (FifoQueue), as the AWS SDK's JSON protocol carries them: CreateQueue, GetQueueUrl,
 * ListQueues, GetQueueAttributes, SetQueueAttributes, SendMessage(Batch), ReceiveMessage
 * (long polls wake as soon as a message can be handed out), DeleteMessage(Batch),
 * ChangeMessageVisibility(Batch), PurgeQueue. Validation follows SQS's (ids, bodies,
 * batch entries, RedrivePolicy), so what SQS would refuse is refused here too.
 *
 * A queue whose `RedrivePolicy` names a dead-letter queue (`deadLetterTargetArn`, a FIFO
 * queue of this service) moves a message received `maxReceiveCount` times to it, as SQS
 * does; each move is told to `onDeadLetter`.
 */
export class SqsService {
  private readonly queues = new Map<string, FifoQueue>();
  private readonly waiters = new Map<string, Waiter[]>();
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(private readonly options: SqsServiceOptions) {}

  /** Rebuilds the queues from a journal's records, read as they come (nothing is logged while replaying). */
  replay(records: Iterable<JournalRecord>): void {
    for (const r of records) {
      if (r.t === 'queue') {
        this.queues.set(r.name, this.newQueue(r.name, r.attributes, r.createdAt));
        continue;
      }
      const q = this.queues.get(r.q);
      if (!q) continue;
      if (r.t === 'attributes') q.restoreAttributes(r.attributes);
      else if (r.t === 'move') {
        const target = this.queues.get(r.to);
        if (target) q.restoreMove(r.id, target);
      } else if (r.t === 'send') {
        q.restore({ id: r.id, seq: r.seq, group: r.group, dedup: r.dedup, body: r.body, md5: md5(r.body), sentAt: r.sentAt, receiveCount: r.receiveCount ?? 0, ...(r.firstReceiveAt ? { firstReceiveAt: r.firstReceiveAt } : {}), invisibleUntil: 0 });
      } else if (r.t === 'receive') for (const id of r.ids) q.restoreReceive(id, r.at);
      else if (r.t === 'delete') for (const id of r.ids) q.restoreDelete(id);
      else if (r.t === 'purge') q.restorePurge();
      else if (r.t === 'dedup') q.restoreDedup({ key: r.key, id: r.id, seq: r.seq, until: r.until });
    }
  }

  /** The live state as journal records (for compaction), queues in creation order (a dead-letter queue before the queues naming it). */
  *snapshot(): Generator<JournalRecord> {
    for (const q of this.queues.values()) {
      yield { t: 'queue', name: q.name, attributes: q.attributes, createdAt: q.createdAt };
      const { messages, dedup } = q.snapshot();
      for (const d of dedup) yield { t: 'dedup', q: q.name, ...d };
      for (const m of messages) {
        yield { t: 'send', q: q.name, id: m.id, seq: m.seq, group: m.group, dedup: m.dedup, body: m.body, sentAt: m.sentAt, receiveCount: m.receiveCount, ...(m.firstReceiveAt ? { firstReceiveAt: m.firstReceiveAt } : {}) };
      }
    }
  }

  /** Runs one action; `baseUrl` is this server's (queue URLs are built on it); `closed` ends a long poll early. */
  async handle(action: string, input: Input, baseUrl: string, closed: Promise<void>): Promise<unknown> {
    switch (action) {
      case 'CreateQueue':
        return { QueueUrl: this.urlOf(this.create(input), baseUrl) };
      case 'GetQueueUrl': {
        const q = this.queues.get(String(input.QueueName));
        if (!q) throw this.noQueue();
        return { QueueUrl: this.urlOf(q, baseUrl) };
      }
      case 'ListQueues':
        return { QueueUrls: [...this.queues.values()].filter((q) => q.name.startsWith(String(input.QueueNamePrefix ?? ''))).map((q) => this.urlOf(q, baseUrl)) };
      case 'GetQueueAttributes':
        return { Attributes: this.attributes(this.queue(input), input.AttributeNames) };
      case 'SetQueueAttributes': {
        const q = this.queue(input);
        const given = (input.Attributes ?? {}) as Record<string, unknown>;
        for (const name of Object.keys(given)) if (!SETTABLE.has(name)) throw new SqsError('InvalidAttributeName', `Unknown or read-only attribute ${name}.`, 'InvalidAttributeName');
        const attributes = this.checkAttributes(given);
        if (Object.keys(attributes).length > 0) q.setAttributes(attributes);
        this.wake(q);
        return {};
      }
      case 'SendMessage': {
        const q = this.queue(input);
        const out = this.send(q, input);
        this.wake(q);
        return out;
      }
      case 'SendMessageBatch': {
        const q = this.queue(input);
        const out = batch(entries(input), (e) => this.send(q, e));
        this.wake(q);
        return out;
      }
      case 'ReceiveMessage':
        return this.receive(this.queue(input), input, closed);
      case 'DeleteMessage': {
        const q = this.queue(input);
        q.delete([this.receipt(input)]);
        this.wake(q);
        return {};
      }
      case 'DeleteMessageBatch': {
        const q = this.queue(input);
        const list = entries(input);
        const out = batch(list, (e) => (this.receipt(e), {}));
        q.delete(list.filter((e) => out.Successful.some((s) => s.Id === e.Id)).map((e) => e.ReceiptHandle as string));
        this.wake(q);
        return out;
      }
      case 'ChangeMessageVisibility': {
        const q = this.queue(input);
        q.changeVisibility(this.receipt(input), int(input, 'VisibilityTimeout', 0, 43_200) ?? 0);
        this.wake(q);
        return {};
      }
      case 'ChangeMessageVisibilityBatch': {
        const q = this.queue(input);
        const out = batch(entries(input), (e) => (q.changeVisibility(this.receipt(e), int(e, 'VisibilityTimeout', 0, 43_200) ?? 0), {}));
        this.wake(q);
        return out;
      }
      case 'PurgeQueue': {
        const q = this.queue(input);
        q.purge();
        return {};
      }
      default:
        throw new SqsError('UnsupportedOperation', `${action} is not supported by the local SQS`, 'AWS.SimpleQueueService.UnsupportedOperation');
    }
  }

  /** Answers every pending long poll with nothing (server shutdown). */
  close(): void {
    for (const list of this.waiters.values()) for (const w of list.splice(0)) w.resolve([]);
    for (const timer of this.timers.values()) clearTimeout(timer);
  }

  private create(input: Input): FifoQueue {
    const name = String(input.QueueName ?? '');
    const given = (input.Attributes ?? {}) as Record<string, string>;
    if (!QUEUE_NAME.test(name) || given.FifoQueue !== 'true') {
      throw invalid('The local SQS emulates FIFO queues only: FifoQueue "true" and a name of 1-80 [A-Za-z0-9_-] chars ending in .fifo');
    }
    const attributes = this.checkAttributes(given);
    const existing = this.queues.get(name);
    if (existing) return existing;
    const q = this.newQueue(name, { ...DEFAULT_ATTRIBUTES, ...attributes }, Date.now());
    this.options.log?.created(name, q.attributes, q.createdAt);
    this.queues.set(name, q);
    return q;
  }

  private newQueue(name: string, attributes: Record<string, string>, createdAt: number): FifoQueue {
    const options: FifoQueueOptions = {
      dedupWindowMs: this.options.dedupWindowMs,
      redrive: (q) => this.redriveOf(q),
      onDeadLetter: (moved) => {
        (this.options.onDeadLetter ?? logDeadLetter)(moved);
        const target = this.queues.get(moved.deadLetterQueue);
        if (target) setImmediate(() => this.wake(target)); // not inside the source queue's receive
      },
    };
    return new FifoQueue(name, attributes, createdAt, options, this.options.log);
  }

  /** A queue's dead-letter queue and receive limit, from its RedrivePolicy (none when the target is gone). */
  private redriveOf(q: FifoQueue): Redrive | undefined {
    const text = q.attributes.RedrivePolicy;
    if (!text) return undefined;
    const policy = JSON.parse(text) as { deadLetterTargetArn: string; maxReceiveCount: number | string };
    const target = this.queues.get(policy.deadLetterTargetArn.slice(policy.deadLetterTargetArn.lastIndexOf(':') + 1));
    return target && target !== q ? { target, maxReceiveCount: Number(policy.maxReceiveCount) } : undefined;
  }

  /** Attribute values as strings, a RedrivePolicy checked as SQS checks it (its target must exist and be FIFO). */
  private checkAttributes(given: Record<string, unknown>): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [name, value] of Object.entries(given)) out[name] = String(value);
    const text = out.RedrivePolicy;
    if (text === undefined || text === '') return out;
    let policy: { deadLetterTargetArn?: unknown; maxReceiveCount?: unknown };
    try {
      policy = JSON.parse(text) as typeof policy;
    } catch {
      throw invalid('Value for parameter RedrivePolicy is invalid. Reason: Invalid value for RedrivePolicy: not JSON.');
    }
    const count = Number(policy.maxReceiveCount);
    if (!Number.isInteger(count) || count < MAX_RECEIVE_COUNT.min || count > MAX_RECEIVE_COUNT.max) {
      throw invalid(`Value ${String(policy.maxReceiveCount)} for parameter RedrivePolicy is invalid. Reason: Invalid value for maxReceiveCount: ${String(policy.maxReceiveCount)}, valid values are from ${MAX_RECEIVE_COUNT.min} to ${MAX_RECEIVE_COUNT.max} both inclusive.`);
    }
    const arn = typeof policy.deadLetterTargetArn === 'string' ? policy.deadLetterTargetArn : '';
    const target = this.queues.get(arn.slice(arn.lastIndexOf(':') + 1));
    if (!arn.startsWith('arn:') || !target) throw invalid('Value for parameter RedrivePolicy is invalid. Reason: Dead letter target does not exist.');
    if (target.attributes.FifoQueue !== 'true') throw invalid('Value for parameter RedrivePolicy is invalid. Reason: Dead-letter queue of a FIFO queue must be a FIFO queue.');
    out.RedrivePolicy = JSON.stringify({ deadLetterTargetArn: arn, maxReceiveCount: count });
    return out;
  }

  private send(q: FifoQueue, input: Input): { MessageId: string; MD5OfMessageBody: string; SequenceNumber: string } {
    const body = input.MessageBody;
    if (typeof body !== 'string' || body.length === 0) throw missing('MessageBody');
    if (BAD_BODY_CHAR.test(body)) throw new SqsError('InvalidMessageContents', 'Invalid characters found in the message body.', 'InvalidMessageContents');
    if (Buffer.byteLength(body) > Number(q.attributes.MaximumMessageSize)) throw invalid(`One or more parameters are invalid. Reason: Message must be shorter than ${q.attributes.MaximumMessageSize} bytes.`);
    if (input.DelaySeconds !== undefined && input.DelaySeconds !== 0) throw invalid(`Value ${String(input.DelaySeconds)} for parameter DelaySeconds is invalid. Reason: The request include parameter that is not valid for this queue type.`);
    const group = input.MessageGroupId;
    if (group === undefined) throw missing('MessageGroupId');
    if (typeof group !== 'string' || !SQS_ID_PATTERN.test(group)) throw invalid(`Value ${JSON.stringify(group)} for parameter MessageGroupId is invalid. Reason: MessageGroupId can only include alphanumeric and punctuation characters. 1 to 128 in length.`);
    const dedup = input.MessageDeduplicationId;
    if (dedup !== undefined && (typeof dedup !== 'string' || !SQS_ID_PATTERN.test(dedup))) {
      throw invalid(`Value ${JSON.stringify(dedup)} for parameter MessageDeduplicationId is invalid. Reason: MessageDeduplicationId can only include alphanumeric and punctuation characters. 1 to 128 in length.`);
    }
    const out = q.send({ group, dedup: dedup as string | undefined, body });
    return { MessageId: out.id, MD5OfMessageBody: out.md5, SequenceNumber: out.seq };
  }

  private async receive(q: FifoQueue, input: Input, closed: Promise<void>): Promise<unknown> {
    const max = int(input, 'MaxNumberOfMessages', 1, 10) ?? 1;
    const visibility = int(input, 'VisibilityTimeout', 0, 43_200) ?? q.visibilityTimeout;
    const wait = int(input, 'WaitTimeSeconds', 0, LONGEST_WAIT_SECONDS) ?? Number(q.attributes.ReceiveMessageWaitTimeSeconds);
    let messages = q.receive(max, visibility);
    if (messages.length === 0 && wait > 0) messages = await this.waitFor(q, max, visibility, wait * 1000, closed);
    this.arm(q);
    const names = [...asList(input.AttributeNames), ...asList(input.MessageSystemAttributeNames)];
    const all = names.includes('All');
    const wanted = SYSTEM_ATTRIBUTES.filter((n) => all || names.includes(n));
    return messages.length === 0 ? {} : { Messages: messages.map((m) => this.format(m, wanted)) };
  }

  /** Parks a long poll until a message can be handed out, the wait ends, or the caller hangs up. */
  private waitFor(q: FifoQueue, max: number, visibility: number, ms: number, closed: Promise<void>): Promise<QueueMessage[]> {
    return new Promise((resolve) => {
      let list = this.waiters.get(q.name);
      if (!list) this.waiters.set(q.name, (list = []));
      const waiter: Waiter = {
        max,
        visibility,
        resolve: (messages) => {
          clearTimeout(timer);
          resolve(messages);
        },
      };
      const leave = () => {
        const i = list.indexOf(waiter);
        if (i >= 0) list.splice(i, 1);
        waiter.resolve([]);
      };
      const timer = setTimeout(leave, ms);
      void closed.then(leave);
      list.push(waiter);
      this.arm(q);
    });
  }

  /** Hands out what can be handed out to the oldest waiting long polls. */
  private wake(q: FifoQueue): void {
    const list = this.waiters.get(q.name);
    while (list && list.length > 0 && q.hasAvailable()) {
      // a receive may only dead-letter what was available (then nothing is left to hand out): the waiter keeps waiting
      const messages = q.receive(list[0]!.max, list[0]!.visibility);
      if (messages.length > 0) list.shift()!.resolve(messages);
    }
    this.arm(q);
  }

  /** While polls wait, wakes them when the next in-flight message comes back by itself. */
  private arm(q: FifoQueue): void {
    clearTimeout(this.timers.get(q.name));
    this.timers.delete(q.name);
    if (!this.waiters.get(q.name)?.length) return;
    const next = q.nextExpiry();
    if (next === undefined) return;
    const timer = setTimeout(() => this.wake(q), Math.max(0, next - Date.now()) + 1);
    this.timers.set(q.name, timer);
  }

  private format(m: QueueMessage, wanted: string[]) {
    const values: Record<string, string | undefined> = {
      SenderId: this.options.accountId,
      SentTimestamp: String(m.sentAt),
      ApproximateReceiveCount: String(m.receiveCount),
      ApproximateFirstReceiveTimestamp: String(m.firstReceiveAt ?? m.sentAt),
      SequenceNumber: m.seq,
      MessageDeduplicationId: m.dedup,
      MessageGroupId: m.group,
    };
    const Attributes = Object.fromEntries(wanted.map((n) => [n, values[n]]));
    return { MessageId: m.id, ReceiptHandle: m.receipt, MD5OfBody: m.md5, Body: m.body, ...(wanted.length > 0 ? { Attributes } : {}) };
  }

  private attributes(q: FifoQueue, names: unknown): Record<string, string> {
    const counts = q.counts();
    const all: Record<string, string> = {
      ...q.attributes,
      QueueArn: `arn:aws:sqs:${this.options.region}:${this.options.accountId}:${q.name}`,
      ApproximateNumberOfMessages: String(counts.visible),
      ApproximateNumberOfMessagesNotVisible: String(counts.inFlight),
      ApproximateNumberOfMessagesDelayed: '0',
      CreatedTimestamp: String(Math.floor(q.createdAt / 1000)),
      LastModifiedTimestamp: String(Math.floor(q.createdAt / 1000)),
    };
    const wanted = asList(names);
    if (wanted.includes('All')) return all;
    return Object.fromEntries(wanted.filter((n) => n in all).map((n) => [n, all[n]!]));
  }

  private queue(input: Input): FifoQueue {
    const url = input.QueueUrl;
    if (typeof url !== 'string') throw missing('QueueUrl');
    const q = this.queues.get(url.slice(url.lastIndexOf('/') + 1));
    if (!q) throw this.noQueue();
    return q;
  }

  private receipt(input: Input): string {
    if (typeof input.ReceiptHandle !== 'string' || input.ReceiptHandle === '') throw missing('ReceiptHandle');
    return input.ReceiptHandle;
  }

  private urlOf(q: FifoQueue, baseUrl: string): string {
    return `${baseUrl}/${this.options.accountId}/${q.name}`;
  }

  private noQueue(): SqsError {
    return new SqsError('QueueDoesNotExist', 'The specified queue does not exist.', 'AWS.SimpleQueueService.NonExistentQueue');
  }
}

/** The default report of a dead-lettered message: loud, with the group it held up. */
function logDeadLetter(m: DeadLettered): void {
  console.error(`edgeim local SQS: message ${m.id} of group ${m.group} was received ${m.receiveCount} times without success; moved from ${m.queue} to the dead-letter queue ${m.deadLetterQueue}. Its group moves on.`);
}

const asList = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
