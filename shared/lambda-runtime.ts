/**
 * What every Lambda module shares: its parts built once per execution environment, and a
 * small structured logger (one JSON line per entry with the fields Powertools' Logger
 * writes: `level`, `message`, `timestamp`, `service`, then the extra keys; errors as
 * `{name, message, code, stack, cause}`, the cause formatted the same way), so a handler's bundle carries no logging library.
 * `POWERTOOLS_LOG_LEVEL` or Lambda's `AWS_LAMBDA_LOG_LEVEL` set the level (default INFO).
 */

/**
 * A Lambda module's parts, built once per execution environment on first use (a build
 * that failed is tried again on the next invocation).
 */
export function once<T>(build: () => T | Promise<T>): () => Promise<T> {
  let built: Promise<T> | undefined;
  return () => {
    built ??= Promise.resolve()
      .then(build)
      .catch((err: unknown) => {
        built = undefined;
        throw err;
      });
    return built;
  };
}

const LEVELS = { DEBUG: 10, INFO: 20, WARN: 30, ERROR: 40, SILENT: 99 } as const;
type Level = keyof typeof LEVELS;

/** The logger methods edgeim calls (Powertools' Logger has them too: the gateway and `npm start` use it). */
export interface LogSink {
  debug(message: string, extra: Record<string, unknown>): void;
  info(message: string, extra: Record<string, unknown>): void;
  warn(message: string, extra: Record<string, unknown>): void;
  error(message: string, extra: Record<string, unknown>): void;
}

/** A JSON-lines logger on stdout/stderr (see the module comment). */
export class JsonLogger implements LogSink {
  private readonly min: number;

  constructor(
    private readonly service = 'edgeim',
    level: string | undefined = process.env.POWERTOOLS_LOG_LEVEL ?? process.env.AWS_LAMBDA_LOG_LEVEL,
  ) {
    this.min = LEVELS[(level?.toUpperCase() as Level) in LEVELS ? (level!.toUpperCase() as Level) : 'INFO'];
  }

  debug(message: string, extra?: Record<string, unknown>): void {
    this.write('DEBUG', message, extra);
  }
  info(message: string, extra?: Record<string, unknown>): void {
    this.write('INFO', message, extra);
  }
  warn(message: string, extra?: Record<string, unknown>): void {
    this.write('WARN', message, extra);
  }
  error(message: string, extra?: Record<string, unknown>): void {
    this.write('ERROR', message, extra);
  }

  private write(level: Level, message: string, extra: Record<string, unknown> = {}): void {
    if (LEVELS[level] < this.min) return;
    const entry: Record<string, unknown> = { level, message, timestamp: new Date().toISOString(), service: this.service };
    for (const [k, v] of Object.entries(extra)) entry[k] = v instanceof Error ? formatError(v) : v;
    const line = JSON.stringify(entry);
    if (LEVELS[level] >= LEVELS.WARN) process.stderr.write(`${line}\n`);
    else process.stdout.write(`${line}\n`);
  }
}

/** An error as a log entry holds it: name, message, edgeim's `code` if it has one, stack, and its cause (formatted alike, a few levels deep). */
export function formatError(err: Error, depth = 0): Record<string, unknown> {
  const code = (err as { code?: unknown }).code;
  const cause = err.cause;
  return {
    name: err.name,
    message: err.message,
    ...(code !== undefined ? { code } : {}),
    stack: err.stack,
    ...(cause !== undefined ? { cause: cause instanceof Error && depth < 4 ? formatError(cause, depth + 1) : cause } : {}),
  };
}
