import type { Message } from '../../protocol/frames.js';

/**
 * Told when a message was stored for a user with no live connection (mobile push hook).
 * Contract: best effort; a failure here never fails delivery (the message is stored).
 */
export interface OfflineNotifier {
  offline(uid: string, message: Message): Promise<void>;
}
