import type { AuthResult } from '../../gateway/auth.js';
import { Channel, ChannelState } from '../../gateway/channel.js';
import type { ConnectionTableOptions } from '../../gateway/connection-table.js';

/**
 * A gateway connection without a socket, in the state a connection is in when its Auth
 * arrives (authenticating); what it is sent is kept in `written`. For tests of the
 * connection table and the session layer, which care about a channel's state only.
 */
export class TestChannel extends Channel {
  readonly transport = 'tcp';
  readonly written: Buffer[] = [];
  constructor() {
    super(Date.now());
    this.state = ChannelState.Authenticating;
  }
  buffered = () => 0;
  writeOne = (buf: Buffer) => void this.written.push(buf);
  writeMany = (bufs: Buffer[]) => void this.written.push(...bufs);
  end = () => undefined;
  destroy = () => undefined;
  remoteAddress = () => '127.0.0.1';
}

/** The connection table's settings in these tests: 10-minute sessions, two connections per user, no age cap. */
export const TABLE_OPTIONS: ConnectionTableOptions = { sessionTtlSeconds: 600, maxConnectionsPerUser: 2, maxConnectionAgeSeconds: 0, roomCountTtlMs: 60_000 };

/** What a verified token gives the gateway for `uid`. */
export const authOf = (uid: string): AuthResult => ({ uid, accepts: [] });
