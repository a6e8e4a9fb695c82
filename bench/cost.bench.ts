/**
 * What a message costs on AWS (`npm run bench -- cost`). Each scenario runs through the
 * real handlers on the local stack, with SDK clients (default options, so acks and
 * keep-alives as the SDK sends them) or goim clients; the meter counts every billable
 * call (bench/cost/meter.ts) and bench/cost/prices.ts prices them. Beside each figure,
 * priced the same way: AppSync Events (one publish + one operation per delivery) and the
 * naive sample design (scan the connections table, post to each).
 *
 * Two paces per messaging scenario:
 * - chat-paced: one message at a time, each settled (delivered, and every ack the SDK
 *   sends for it sent) before the next: each message alone in its job batch and its ack
 *   batch. The worst case per message.
 * - at load: a backlog of messages (many conversations at once for 1:1, ten senders at
 *   once in a group) that the job works through in batches of up to 10, and recipients'
 *   acks covering several messages. What a busy system pays per message.
 * Large groups and rooms are measured at two smaller sizes and scaled linearly to 10,000
 * (the fit is printed). Lambda GB-s come from local wall time per invocation, inflated by
 * the emulators sharing a loaded 2-core machine: an upper bound. Writes
 * bench/results/cost.json.
 *
 *   npx tsx bench/cost.bench.ts
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { combine, Meter, type Calls } from './cost/meter.js';
import { appsyncPerMessage, GATEWAY_DELIVERIES_PER_TASK_SECOND, gatewayTaskSecond, naivePerMessage, NAIVE_MIN_TABLE, PRICES } from './cost/prices.js';
import { gatewayRoom, group, idle, oneToOne } from './cost/scenarios.js';
import { fmt, isMain } from './stats.js';

/** The price of one scenario's calls at one pace. */
export interface PacedCost {
  usdPerMillion: number;
  calls: Calls;
  note?: string;
}

export interface ScenarioCost extends PacedCost {
  appsyncUsdPerMillion: number;
  naiveUsdPerMillion: number | null;
  /** The same scenario at load (see the module comment), when measured. */
  atLoad?: PacedCost;
}
export type CostBench = Record<string, ScenarioCost>;

/** Dollars for the counted calls of one message. */
export function usd(c: Calls): number {
  const p = PRICES;
  const invocations = Object.values(c.lambdaInvocations).reduce((a, b) => a + b, 0);
  return (
    (c.apigwMessagesIn + c.apigwMessagesOut) * p.apiGateway.websocketMessage +
    c.httpApiRequests * p.apiGateway.httpRequest +
    invocations * p.lambda.request +
    c.lambdaGbSeconds * p.lambda.gbSecond +
    c.dynamoRru * p.dynamodb.readRequestUnit +
    c.dynamoWru * p.dynamodb.writeRequestUnit +
    c.sqsRequests * p.sqs.fifoRequest +
    (c.gatewayDeliveries / GATEWAY_DELIVERIES_PER_TASK_SECOND) * gatewayTaskSecond()
  );
}

function price(calls: Calls, deliveries: number, naiveDeliveries: number | null, tableConnections = NAIVE_MIN_TABLE, note?: string): ScenarioCost {
  return {
    usdPerMillion: usd(calls) * 1e6,
    appsyncUsdPerMillion: appsyncPerMessage(deliveries) * 1e6,
    naiveUsdPerMillion: naiveDeliveries === null ? null : naivePerMessage(naiveDeliveries, Math.max(tableConnections, NAIVE_MIN_TABLE)).usd * 1e6,
    calls,
    ...(note ? { note } : {}),
  };
}

const paced = (calls: Calls, note?: string): PacedCost => ({ usdPerMillion: usd(calls) * 1e6, calls, ...(note ? { note } : {}) });

/**
 * Fits cost(n) = fixed + n·perMember from two sizes and evaluates it at `target`, field by
 * field. A field that came out smaller at the larger size (noise: local Lambda time under
 * a shared machine's load) is scaled in proportion from the larger size instead, an upper
 * bound, so no extrapolation goes negative.
 */
function scale(small: { n: number; calls: Calls }, large: { n: number; calls: Calls }, target: number): Calls {
  const fit = (a: number, b: number) => {
    const slope = (b - a) / (large.n - small.n);
    return slope >= 0 ? a + slope * (target - small.n) : (b * target) / large.n;
  };
  const fitAll = (a: Record<string, number>, b: Record<string, number>) =>
    Object.fromEntries([...new Set([...Object.keys(a), ...Object.keys(b)])].map((k) => [k, fit(a[k] ?? 0, b[k] ?? 0)]));
  const s = small.calls;
  const l = large.calls;
  return {
    apigwMessagesIn: fit(s.apigwMessagesIn, l.apigwMessagesIn),
    apigwMessagesOut: fit(s.apigwMessagesOut, l.apigwMessagesOut),
    lambdaInvocations: fitAll(s.lambdaInvocations, l.lambdaInvocations),
    lambdaGbSeconds: fit(s.lambdaGbSeconds, l.lambdaGbSeconds),
    dynamoRru: fit(s.dynamoRru, l.dynamoRru),
    dynamoWru: fit(s.dynamoWru, l.dynamoWru),
    dynamoCalls: fitAll(s.dynamoCalls, l.dynamoCalls),
    sqsRequests: fit(s.sqsRequests, l.sqsRequests),
    gatewayCalls: fit(s.gatewayCalls, l.gatewayCalls),
    gatewayDeliveries: fit(s.gatewayDeliveries, l.gatewayDeliveries),
    httpApiRequests: fit(s.httpApiRequests, l.httpApiRequests),
  };
}

export async function run(options: { messages?: number; small?: number; large?: number } = {}): Promise<CostBench> {
  const messages = options.messages ?? 6;
  const small = options.small ?? 100;
  const large = options.large ?? 300;
  const readFanout = { EDGEIM_WRITE_FANOUT_MAX: '50' }; // these sizes stand for groups above the write fan-out limit
  const out: CostBench = {};

  const direct = await oneToOne(messages, 30, 4);
  out['1:1, recipient with 2 devices, sender 1'] = { ...price(direct.chat, 3, 3), atLoad: paced(direct.load, '30 conversations sending 4 messages each at once') };

  const g100 = await group(100, 100, 4, 10);
  out['group of 100, all online (write fan-out)'] = { ...price(g100.chat, 100, 100), atLoad: paced(g100.load, '10 members sending at once') };

  const allOnline = [
    { n: small, ...(await group(small, small, 3, 10, readFanout)) },
    { n: large, ...(await group(large, large, 3, 10, readFanout)) },
  ];
  const fit = (list: { n: number; chat: Calls; load: Calls }[], pace: 'chat' | 'load') => scale({ n: list[0]!.n, calls: list[0]![pace] }, { n: list[1]!.n, calls: list[1]![pace] }, 10_000);
  out['group of 10,000, all online'] = {
    ...price(fit(allOnline, 'chat'), 10_000, 10_000, 10_000, `measured at ${small} and ${large} members above the write fan-out limit, scaled linearly`),
    atLoad: paced(fit(allOnline, 'load'), '10 members sending at once, scaled the same way'),
  };

  const tenth = [
    { n: small, ...(await group(small, small / 10, 3, 10, readFanout)) },
    { n: large, ...(await group(large, large / 10, 3, 10, readFanout)) },
  ];
  out['group of 10,000, 10 % online'] = {
    ...price(fit(tenth, 'chat'), 1_000, 1_000, 1_000, `measured at ${small} and ${large} members (10 % online), scaled linearly`),
    atLoad: paced(fit(tenth, 'load'), '10 members sending at once, scaled the same way'),
  };

  const room = [
    { n: small, calls: await gatewayRoom(small, messages) },
    { n: large * 2, calls: await gatewayRoom(large * 2, messages) },
  ];
  out['room of 10,000 via the gateway'] = price(scale(room[0]!, room[1]!, 10_000), 10_000, null, 10_000, `measured at ${small} and ${large * 2} goim TCP members on one task, scaled linearly`);

  const idleRun = await idle(20);
  const minutes = 30 * 24 * 60;
  const beatsPerMonth = idleRun.keepAliveMs > 0 ? (minutes * 60_000) / idleRun.keepAliveMs : 0;
  const reconnectsPerMonth = minutes / 120; // API Gateway closes every connection after 2 h
  const perConnMonth = combine(combine(Meter.empty(), idleRun.perKeepAlive, beatsPerMonth), idleRun.perReconnect, reconnectsPerMonth);
  const connMinutes = minutes * PRICES.apiGateway.connectionMinute;
  const N = 100_000;
  out['idle, 100,000 WebSocket-API connections, per month'] = {
    usdPerMillion: (usd(perConnMonth) + connMinutes) * N,
    appsyncUsdPerMillion: minutes * PRICES.appsyncEvents.connectionMinute * N,
    naiveUsdPerMillion: connMinutes * N,
    calls: combine(Meter.empty(), perConnMonth, N),
    note: `USD per month, not per million messages; a keep-alive every ${idleRun.keepAliveMs / 1000} s (the SDK default), a reconnect every 2 h; the naive column is API Gateway's connection-minute charge alone`,
  };

  const file = join(dirname(fileURLToPath(import.meta.url)), 'results', 'cost.json');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify({ prices: { date: PRICES.date, region: PRICES.region }, scenarios: out }, null, 2)}\n`);
  return out;
}

function callsLine(c: Calls): string {
  const dyn = Object.entries(c.dynamoCalls).map(([k, v]) => `${k} ${fmt(v, 2)}`).join(', ');
  const fns = Object.entries(c.lambdaInvocations).map(([k, v]) => `${k} ${fmt(v, 2)}`).join(', ');
  return `API GW in ${fmt(c.apigwMessagesIn, 2)} out ${fmt(c.apigwMessagesOut, 2)}; Lambda ${fns || '0'} (${fmt(c.lambdaGbSeconds, 4)} GB-s); DynamoDB ${fmt(c.dynamoWru, 2)} WRU ${fmt(c.dynamoRru, 2)} RRU [${dyn}]; SQS ${fmt(c.sqsRequests, 2)}; gateway calls ${fmt(c.gatewayCalls, 2)} (${fmt(c.gatewayDeliveries, 0)} deliveries)`;
}

export function print(r: CostBench): void {
  console.log(`what a message costs on AWS (us-east-1 list prices of ${PRICES.date}; USD per million messages)`);
  console.log(`  ${'scenario'.padEnd(52)} ${'chat-paced'.padStart(11)} ${'at load'.padStart(10)} ${'AppSync Ev.'.padStart(12)} ${'naive'.padStart(10)} ${'÷ AppSync'.padStart(16)}`);
  for (const [name, s] of Object.entries(r)) {
    const naive = s.naiveUsdPerMillion === null ? '—' : fmt(s.naiveUsdPerMillion, 1);
    const load = s.atLoad ? fmt(s.atLoad.usdPerMillion, 1) : '—';
    const ratio = `${fmt(s.usdPerMillion / s.appsyncUsdPerMillion, 2)}${s.atLoad ? ` / ${fmt(s.atLoad.usdPerMillion / s.appsyncUsdPerMillion, 2)}` : ''}`;
    console.log(`  ${name.padEnd(52)} ${fmt(s.usdPerMillion, 1).padStart(11)} ${load.padStart(10)} ${fmt(s.appsyncUsdPerMillion, 1).padStart(12)} ${naive.padStart(10)} ${ratio.padStart(16)}`);
    if (s.note) console.log(`    (${s.note})`);
    if (s.atLoad?.note) console.log(`    (at load: ${s.atLoad.note})`);
  }
  console.log('  calls per message (per month for idle):');
  for (const [name, s] of Object.entries(r)) {
    console.log(`    ${name}: ${callsLine(s.calls)}`);
    if (s.atLoad) console.log(`      at load: ${callsLine(s.atLoad.calls)}`);
  }
}

if (isMain(import.meta.url)) print(await run());
