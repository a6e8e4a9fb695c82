/**
 * Counts every billable call a scenario makes on the local stack, the way AWS bills it:
 * WebSocket API messages (32 KB units, counted at the clients, so route responses and
 * `@connections` posts are both seen), Lambda invocations and their duration (the stack's
 * `onInvoke` hook), DynamoDB request units (`ReturnConsumedCapacity` added to every call;
 * a failed conditional write still costs its write unit, a read request at least half a
 * read unit), SQS requests (64 KB units) and
 * HTTP calls to gateway tasks.
 */
import WebSocket from 'ws';
import type { ClientHook } from '../../shared/aws/clients.js';
import type { Delivery } from '../../shared/domain/ports/delivery.js';
import type { WebSocketLike } from '../../sdk/index.js';
import { lambdaGbSeconds, PRICES } from './prices.js';

/** Totals of one measured stretch. */
export interface Calls {
  apigwMessagesIn: number;
  apigwMessagesOut: number;
  lambdaInvocations: Record<string, number>;
  lambdaGbSeconds: number;
  dynamoRru: number;
  dynamoWru: number;
  dynamoCalls: Record<string, number>;
  sqsRequests: number;
  /** HTTP calls to gateway tasks' internal API (`@batch`, `@rooms`, `@connections`). */
  gatewayCalls: number;
  /** Connections the gateway tasks wrote to for those calls (their CPU is priced as Fargate time). */
  gatewayDeliveries: number;
  httpApiRequests: number;
}

const READS = new Set(['GetItem', 'Query', 'Scan', 'BatchGetItem']);
const units = (bytes: number, unit: number) => Math.max(1, Math.ceil(bytes / unit));

export class Meter {
  on = false;
  private calls: Calls = Meter.empty();

  static empty(): Calls {
    return {
      apigwMessagesIn: 0,
      apigwMessagesOut: 0,
      lambdaInvocations: {},
      lambdaGbSeconds: 0,
      dynamoRru: 0,
      dynamoWru: 0,
      dynamoCalls: {},
      sqsRequests: 0,
      gatewayCalls: 0,
      gatewayDeliveries: 0,
      httpApiRequests: 0,
    };
  }

  /** Starts a fresh measurement. */
  start(): void {
    this.calls = Meter.empty();
    this.on = true;
  }

  /** Ends the measurement and returns its totals. */
  stop(): Calls {
    this.on = false;
    return this.calls;
  }

  /** For the stack's `onInvoke`: one Lambda invocation of `fn` that took `ms`. */
  readonly onInvoke = (fn: string, ms: number): void => {
    if (!this.on) return;
    this.calls.lambdaInvocations[fn] = (this.calls.lambdaInvocations[fn] ?? 0) + 1;
    this.calls.lambdaGbSeconds += lambdaGbSeconds(fn, ms);
    // Lambda's SQS event source receives each batch and deletes it: two billed requests.
    if (fn === 'fanout-job') this.calls.sqsRequests += 2;
  };

  /** For the stack's `onClient`: DynamoDB capacity and SQS requests of every AWS SDK call. */
  readonly onClient: ClientHook = (client) => {
    client.middlewareStack.add(
      (next: (a: any) => Promise<any>, ctx: { clientName?: string; commandName?: string }) => async (args: any) => {
        const service = (ctx.clientName ?? '').replace('Client', '');
        const command = (ctx.commandName ?? '').replace('Command', '');
        if (!this.on) return next(args);
        if (service === 'DynamoDB' || service === 'DynamoDBDocument') return this.dynamo(command, args, next);
        if (service === 'SQS') this.calls.sqsRequests += units(Buffer.byteLength(String(args.input?.MessageBody ?? '')), PRICES.sqs.unitBytes);
        return next(args);
      },
      { step: 'initialize', name: 'costMeter' },
    );
  };

  private async dynamo(command: string, args: any, next: (a: any) => Promise<any>): Promise<any> {
    this.calls.dynamoCalls[command] = (this.calls.dynamoCalls[command] ?? 0) + 1;
    args.input = { ...args.input, ReturnConsumedCapacity: 'TOTAL' };
    const read = READS.has(command);
    try {
      const out = await next(args);
      const consumed = out.output?.ConsumedCapacity;
      let total = (Array.isArray(consumed) ? consumed : consumed ? [consumed] : []).reduce((n: number, c: { CapacityUnits?: number }) => n + (c.CapacityUnits ?? 0), 0);
      // DynamoDB bills every read request at least one unit (half for an eventually consistent
      // one), also when it finds nothing; dynalite reports 0 for a Query or Scan that read nothing.
      if (read && command !== 'BatchGetItem') total = Math.max(total, args.input.ConsistentRead ? 1 : 0.5);
      if (read) this.calls.dynamoRru += total;
      else this.calls.dynamoWru += total;
      return out;
    } catch (err) {
      // A failed conditional write is billed one write unit (or more for a large item; ours are small).
      if ((err as { name?: string }).name === 'ConditionalCheckFailedException') this.calls.dynamoWru += 1;
      throw err;
    }
  }

  /** `n` deliveries made by gateway tasks (their share of Fargate CPU). */
  gatewayDelivered(n: number): void {
    if (this.on) this.calls.gatewayDeliveries += n;
  }

  /** Wraps a delivery so calls to gateway tasks are counted. */
  meterDelivery(delivery: Delivery): void {
    const wrap = <K extends 'postBatch' | 'postRoom'>(name: K) => {
      const original = delivery[name]?.bind(delivery) as ((...a: any[]) => Promise<any>) | undefined;
      if (!original) return;
      (delivery as any)[name] = async (...a: any[]) => {
        if (this.on) this.calls.gatewayCalls++;
        return original(...a);
      };
    };
    wrap('postBatch');
    wrap('postRoom');
  }

  /** One push API request (an HTTP API request and a Lambda invocation, timed by the caller). */
  httpApi(ms: number): void {
    if (!this.on) return;
    this.calls.httpApiRequests++;
    this.onInvoke('push-api', ms);
  }

  /** A `ws` WebSocket class for the SDK whose connections count WebSocket API messages both ways. */
  webSocket(): WebSocketLike {
    const meter = this;
    class Metered extends WebSocket {
      constructor(url: string, protocols?: string | string[]) {
        super(url, protocols);
        this.on('message', (data: Buffer) => {
          if (meter.on) meter.calls.apigwMessagesOut += units(data.length, PRICES.apiGateway.websocketMessageUnitBytes);
        });
      }
      override send(data: any, ...rest: any[]): void {
        if (meter.on) meter.calls.apigwMessagesIn += units(Buffer.byteLength(data), PRICES.apiGateway.websocketMessageUnitBytes);
        (super.send as (...a: any[]) => void)(data, ...rest);
      }
    }
    return Metered as unknown as WebSocketLike;
  }
}

/** Each count divided by `n` (per message, per heartbeat…). */
export function perUnit(c: Calls, n: number): Calls {
  const div = (r: Record<string, number>) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v / n]));
  return {
    apigwMessagesIn: c.apigwMessagesIn / n,
    apigwMessagesOut: c.apigwMessagesOut / n,
    lambdaInvocations: div(c.lambdaInvocations),
    lambdaGbSeconds: c.lambdaGbSeconds / n,
    dynamoRru: c.dynamoRru / n,
    dynamoWru: c.dynamoWru / n,
    dynamoCalls: div(c.dynamoCalls),
    sqsRequests: c.sqsRequests / n,
    gatewayCalls: c.gatewayCalls / n,
    gatewayDeliveries: c.gatewayDeliveries / n,
    httpApiRequests: c.httpApiRequests / n,
  };
}

/** `a + k·b`, field by field (scaling a measured per-member part). */
export function combine(a: Calls, b: Calls, k: number): Calls {
  const merge = (x: Record<string, number>, y: Record<string, number>) => {
    const out = { ...x };
    for (const [key, v] of Object.entries(y)) out[key] = (out[key] ?? 0) + k * v;
    return out;
  };
  return {
    apigwMessagesIn: a.apigwMessagesIn + k * b.apigwMessagesIn,
    apigwMessagesOut: a.apigwMessagesOut + k * b.apigwMessagesOut,
    lambdaInvocations: merge(a.lambdaInvocations, b.lambdaInvocations),
    lambdaGbSeconds: a.lambdaGbSeconds + k * b.lambdaGbSeconds,
    dynamoRru: a.dynamoRru + k * b.dynamoRru,
    dynamoWru: a.dynamoWru + k * b.dynamoWru,
    dynamoCalls: merge(a.dynamoCalls, b.dynamoCalls),
    sqsRequests: a.sqsRequests + k * b.sqsRequests,
    gatewayCalls: a.gatewayCalls + k * b.gatewayCalls,
    gatewayDeliveries: a.gatewayDeliveries + k * b.gatewayDeliveries,
    httpApiRequests: a.httpApiRequests + k * b.httpApiRequests,
  };
}
