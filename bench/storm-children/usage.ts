/** Memory and CPU of this process, as the storm benchmark reads them over IPC. */
const gc = (globalThis as { gc?: () => void }).gc;

export interface Usage {
  rss: number;
  heapUsed: number;
  /** user + system CPU of the whole process since it started, ms. */
  cpuMs: number;
}

/** Usage now; after a full GC when `collect` (run with --expose-gc). */
export function usage(collect: boolean): Usage {
  if (collect) for (let i = 0; i < 3; i++) gc?.();
  const m = process.memoryUsage();
  const c = process.cpuUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, cpuMs: (c.user + c.system) / 1000 };
}

/** Answers {cmd: 'usage', gc} with {usage} and runs `stop` on {cmd: 'stop'}. */
export function serveUsage(stop: () => Promise<void> | void, extra: () => Record<string, unknown> = () => ({})): void {
  process.on('message', (m: { cmd: string; gc?: boolean }) => {
    if (m.cmd === 'usage') process.send?.({ usage: usage(Boolean(m.gc)), ...extra() });
    if (m.cmd === 'stop') void Promise.resolve(stop()).then(() => process.exit(0));
  });
}
