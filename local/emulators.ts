import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { InternalError } from '../shared/errors.js';
import { DataDirInUseError } from './preflight.js';

/** The emulators' child process did not come up. */
export class EmulatorsStartError extends InternalError {
  override name = 'EmulatorsStartError';
}

export interface Emulators {
  dynamoUrl: string;
  sqsUrl: string;
  /** The emulators' process id. */
  pid: number;
  close(): Promise<void>;
}

export interface EmulatorOptions {
  /** Keep DynamoDB tables and SQS queues here across restarts (in memory when absent). */
  dataDir?: string;
  dynamoPort: number;
  sqsPort: number;
  /** The local SQS's FIFO deduplication interval (default SQS's 5 minutes). */
  dedupWindowMs?: number;
}

const PID_FILE = 'emulators.pid';
/** How long a start waits for a previous run's emulators (same data directory) to go away. */
const PREVIOUS_RUN_WAIT_MS = 10_000;

/** Whether a process runs (a zombie, exited but not yet reaped, does not). */
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true; // no /proc (macOS): signal 0 is all we know
  }
};

/**
 * Starts dynalite and the local SQS (local/sqs) in a child process: their CPU never
 * competes with the gateway and the handlers here (a connect storm would otherwise starve
 * the gateway). The child dies with this process: it exits as soon as its IPC channel
 * disconnects, so a crash or `kill -9` here leaves no orphan holding the ports or the
 * data directory. With `dataDir`, a start takes the directory exclusively (a pid file
 * created with O_EXCL), first waiting for a previous run's processes to be gone.
 */
export async function startEmulators(options: EmulatorOptions): Promise<Emulators> {
  const pidFile = options.dataDir ? join(options.dataDir, PID_FILE) : undefined;
  if (options.dataDir) {
    mkdirSync(options.dataDir, { recursive: true });
    await lockDataDir(pidFile!);
  }
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  const child = fork(new URL('./emulators-child.ts', import.meta.url), [JSON.stringify(options)], {
    execArgv: ['--import', tsx],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  let ports: { dynamoPort: number; sqsPort: number };
  try {
    ports = await new Promise((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code) => reject(new EmulatorsStartError(`the emulators exited while starting (code ${code})`)));
      child.once('message', (msg: { ready?: boolean; error?: string; dynamoPort: number; sqsPort: number }) =>
        msg.ready ? resolve(msg) : reject(new EmulatorsStartError(`emulators failed to start: ${msg.error}`)),
      );
    });
  } catch (err) {
    child.kill('SIGKILL');
    if (pidFile) rmSync(pidFile, { force: true });
    throw err;
  }
  child.removeAllListeners('exit');
  if (pidFile) writeFileSync(pidFile, `${process.pid} ${child.pid}`);
  let closing: Promise<void> | undefined;
  child.once('exit', (code, signal) => {
    if (!closing) console.error(`edgeim: the DynamoDB/SQS emulators exited unexpectedly (${signal ?? `code ${code}`}); restart npm start`);
  });
  return {
    dynamoUrl: `http://127.0.0.1:${ports.dynamoPort}`,
    sqsUrl: `http://127.0.0.1:${ports.sqsPort}`,
    pid: child.pid!,
    close: () => (closing ??= stop(child, pidFile)),
  };
}

async function stop(child: ChildProcess, pidFile: string | undefined): Promise<void> {
  if (child.exitCode === null && child.connected) {
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.send('close');
    const force = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(force);
  }
  if (pidFile) rmSync(pidFile, { force: true });
}

/**
 * Takes the data directory for this run: the pid file is created exclusively (two runs
 * starting at once cannot both have it) and holds this process's pid, then also its
 * emulators' pid. A file left by a run whose processes are gone is taken over.
 */
async function lockDataDir(pidFile: string): Promise<void> {
  for (;;) {
    try {
      writeFileSync(pidFile, String(process.pid), { flag: 'wx' });
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    await waitForPreviousRun(pidFile);
  }
}

/** A previous run (or its emulators, still exiting after its parent was killed) holds the directory: wait for it to be gone. */
async function waitForPreviousRun(pidFile: string): Promise<void> {
  if (!existsSync(pidFile)) return;
  const pids = readFileSync(pidFile, 'utf8').split(/\s+/).map(Number).filter((pid) => Number.isInteger(pid) && pid > 0);
  if (pids.includes(process.pid)) throw new DataDirInUseError();
  const deadline = Date.now() + PREVIOUS_RUN_WAIT_MS;
  for (let live = pids.filter(alive); live.length > 0; live = pids.filter(alive)) {
    if (Date.now() > deadline) throw new DataDirInUseError(`pid ${live.join(', ')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  rmSync(pidFile, { force: true });
}
