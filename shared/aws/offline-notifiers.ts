import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { OfflineNotifier } from '../domain/ports/offline-notifier.js';
import type { Message } from '../protocol/frames.js';

type Warn = (message: string, extra: Record<string, unknown>) => void;

/** Publishes `{uid, message}` to an SNS topic (cloud: wire it to mobile push). */
export class SnsOfflineNotifier implements OfflineNotifier {
  constructor(
    private readonly sns: SNSClient,
    private readonly topicArn: string,
    private readonly warn: Warn,
  ) {}

  async offline(uid: string, message: Message): Promise<void> {
    try {
      await this.sns.send(new PublishCommand({ TopicArn: this.topicArn, Message: JSON.stringify({ uid, message }) }));
    } catch (err) {
      this.warn('offline notification failed', { uid, msgId: message.id, err });
    }
  }
}

/** POSTs `{uid, message}` to a webhook (local / self-hosted). */
export class WebhookOfflineNotifier implements OfflineNotifier {
  constructor(
    private readonly url: string,
    private readonly warn: Warn,
  ) {}

  async offline(uid: string, message: Message): Promise<void> {
    try {
      const res = await fetch(this.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ uid, message }) });
      if (!res.ok) this.warn('offline webhook answered an error', { uid, status: res.status });
    } catch (err) {
      this.warn('offline webhook failed', { uid, msgId: message.id, err });
    }
  }
}

/** Used when no hook is configured: the stored message waits for the user's next sync. */
export const noOfflineNotifier: OfflineNotifier = { offline: async () => undefined };
