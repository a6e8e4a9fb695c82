/** Process plumbing shared by the gateway benchmarks: forked children driven over IPC. */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startLocalStack, type LocalStack } from '../local/stack.js';
import { LOCAL_JWT_SECRET } from '../shared/config.js';

const children = fileURLToPath(new URL('./gateway-children/', import.meta.url));

/** A forked child that answers IPC requests. */
export class Child {
  private readonly inbox: Record<string, unknown>[] = [];
  private readonly waiters: { key: string; resolve: (m: any) => void }[] = [];
  readonly exited: Promise<void>;

  constructor(readonly proc: ChildProcess) {
    proc.on('message', (m: Record<string, unknown>) => {
      const i = this.waiters.findIndex((w) => w.key in m);
      if (i >= 0) this.waiters.splice(i, 1)[0]!.resolve(m);
      else this.inbox.push(m);
    });
    this.exited = new Promise((r) => proc.once('exit', () => r()));
  }

  /** Resolves with the next message that has `key`. */
  next(key: string, timeoutMs = 300_000): Promise<any> {
    const i = this.inbox.findIndex((m) => key in m);
    if (i >= 0) return Promise.resolve(this.inbox.splice(i, 1)[0]);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`child sent no "${key}" within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({ key, resolve: (m) => (clearTimeout(timer), resolve(m)) });
    });
  }

  ask(message: object, key: string, timeoutMs?: number): Promise<any> {
    this.proc.send(message);
    return this.next(key, timeoutMs);
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode !== null) return;
    this.proc.send({ cmd: 'stop' });
    await Promise.race([this.exited, new Promise((r) => setTimeout(r, 5000))]);
    if (this.proc.exitCode === null) this.proc.kill('SIGKILL');
  }
}

/** Forks `gateway-children/<name>.ts` under tsx with --expose-gc. */
export async function forkChild(name: 'server' | 'load', args: string[] = [], env: Record<string, string | undefined> = {}): Promise<Child & { ready: any }> {
  const proc = fork(`${children}${name}.ts`, args, {
    execArgv: ['--import', 'tsx', '--expose-gc'],
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const child = new Child(proc);
  return Object.assign(child, { ready: await child.next('ready', 60_000) });
}

/** DynamoDB and SQS for gateway children (the stack's own gateway is not used). */
export function startBackend(): Promise<LocalStack> {
  return startLocalStack({ wsPort: 0, pushPort: 0, dynamoPort: 0, sqsPort: 0, gatewayTcpPort: 0, gatewayWsPort: 0, gatewayHttpPort: 0, logLevel: 'ERROR' });
}

/** The environment that points a gateway child at the backend. */
export function backendEnv(stack: LocalStack, extra: Record<string, string> = {}): Record<string, string | undefined> {
  return {
    AWS_ENDPOINT_URL_DYNAMODB: stack.config.AWS_ENDPOINT_URL_DYNAMODB,
    AWS_ENDPOINT_URL_SQS: stack.config.AWS_ENDPOINT_URL_SQS,
    EDGEIM_QUEUE_URL: stack.config.EDGEIM_QUEUE_URL,
    EDGEIM_JWT_SECRET: LOCAL_JWT_SECRET,
    EDGEIM_GATEWAY_SECRET: stack.config.EDGEIM_GATEWAY_SECRET,
    EDGEIM_HANDSHAKE_TIMEOUT_MS: '120000',
    POWERTOOLS_LOG_LEVEL: 'ERROR',
    ...extra,
  };
}

export const kib = (bytes: number) => bytes / 1024;
