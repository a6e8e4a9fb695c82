import type { OfflineNotifier } from '../domain/ports/offline-notifier.js';
import type { Message } from '../protocol/frames.js';

/**
 * An OfflineNotifier (ports/offline-notifier.ts) that keeps what it was told, in order:
 * the mobile-push hook of tests. `failWith` makes later calls reject, so a test can show
 * that its caller treats the hook as best effort (a failure never fails delivery).
 */
export class MemoryOfflineNotifier implements OfflineNotifier {
  readonly notified: { uid: string; message: Message }[] = [];
  private failure: unknown;

  async offline(uid: string, message: Message): Promise<void> {
    if (this.failure !== undefined) throw this.failure;
    this.notified.push({ uid, message });
  }

  /** Every later call rejects with `err` (undefined: calls succeed again). */
  failWith(err: unknown): void {
    this.failure = err;
  }
}
