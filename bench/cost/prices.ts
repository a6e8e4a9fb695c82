/**
 * AWS list prices the cost bench uses: us-east-1, on-demand, first pricing tier, as
 * published on the services' pricing pages on the date below. Change them here only.
 */
export const PRICES = {
  date: '2026-11-30',
  region: 'us-east-1',
  apiGateway: {
    /** WebSocket API: per message sent or received, metered in 32 KB units. */
    websocketMessage: 1.0 / 1e6,
    websocketMessageUnitBytes: 32 * 1024,
    /** WebSocket API: per connection-minute. */
    connectionMinute: 0.25 / 1e6,
    /** HTTP API: per request, metered in 512 KB units. */
    httpRequest: 1.0 / 1e6,
  },
  lambda: {
    request: 0.2 / 1e6,
    /** arm64 (the stack's architecture), per GB-second. */
    gbSecond: 0.0000133334,
  },
  dynamodb: {
    /** On-demand, standard table class. */
    writeRequestUnit: 0.625 / 1e6,
    readRequestUnit: 0.125 / 1e6,
  },
  sqs: {
    /** FIFO queues: per request, each 64 KB chunk of payload one request. */
    fifoRequest: 0.5 / 1e6,
    unitBytes: 64 * 1024,
  },
  fargate: {
    /** arm64 Linux, per vCPU-hour and per GB-hour. */
    vcpuHour: 0.03238,
    gbHour: 0.00356,
  },
  appsyncEvents: {
    /** Event API: per operation (a publish, each delivery to a subscriber). */
    operation: 1.0 / 1e6,
    connectionMinute: 0.08 / 1e6,
  },
} as const;

/** Lambda memory (MiB) of each function, as the CDK stack deploys them (infra/edgeim-stack.ts). */
export const LAMBDA_MEMORY_MIB: Record<string, number> = {
  authorizer: 256,
  $connect: 256,
  $disconnect: 256,
  $default: 256,
  heartbeat: 128,
  'fanout-job': 512,
  'push-api': 512,
};

/** Lambda bills duration rounded up to the next millisecond. */
export const lambdaGbSeconds = (fn: string, ms: number) => (Math.ceil(ms) / 1000) * ((LAMBDA_MEMORY_MIB[fn] ?? 256) / 1024);

/** The gateway's Fargate task size the price of its compute assumes (the stack's default: 1 vCPU, 2 GiB). */
export const GATEWAY_TASK = { vcpu: 1, gb: 2 };

/** Price of one second of a whole gateway task. */
export const gatewayTaskSecond = () => (GATEWAY_TASK.vcpu * PRICES.fargate.vcpuHour + GATEWAY_TASK.gb * PRICES.fargate.gbHour) / 3600;

/**
 * CPU one gateway delivery costs: a room broadcast reached 300,000 deliveries/s on one core
 * with 4 `@rooms` calls in flight (the gateway-broadcast bench; 937,000/s with 32), so a
 * delivery is priced at 1/300,000 of a task-second.
 */
export const GATEWAY_DELIVERIES_PER_TASK_SECOND = 300_000;

/**
 * AppSync Events for the same traffic: one publish plus one operation per delivery
 * (every subscribed connection that receives it), nothing stored.
 */
export const appsyncPerMessage = (deliveries: number) => (1 + deliveries) * PRICES.appsyncEvents.operation;

/**
 * The naive design of the AWS WebSocket chat sample: the message handler (one Lambda,
 * 128 MiB, ~100 ms) scans the whole connections table (eventually consistent, items of
 * ~106 bytes) and posts the message to every connection that should get it.
 */
export function naivePerMessage(deliveries: number, tableConnections: number): { usd: number; scanRru: number } {
  const scanRru = Math.ceil((tableConnections * 106) / 4096) / 2;
  const lambda = PRICES.lambda.request + 0.1 * (128 / 1024) * PRICES.lambda.gbSecond;
  const usd = (1 + deliveries) * PRICES.apiGateway.websocketMessage + lambda + scanRru * PRICES.dynamodb.readRequestUnit;
  return { usd, scanRru };
}

/** The connections table the naive design scans: the scenario's online population, at least 10,000. */
export const NAIVE_MIN_TABLE = 10_000;
