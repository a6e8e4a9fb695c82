import type { Deps } from './deps.js';
import type { ConnectionRef } from './model.js';
import type { GroupRoster } from './ports/group-store.js';

/**
 * The look-ups of one job invocation (a batch of up to 10 records), shared by its records:
 * each user's live connections and each group's members are read once per batch (ten
 * messages to one group read its members and its members' connections once), and
 * eventually consistent (half the read cost). What that may miss: a connection made, or a
 * member added, within about the last second. Such a connection syncs on connect and at
 * its next gap; a member added that recently counts as added after the message.
 *
 * A failed read is forgotten, so a later record of the batch reads again.
 */
export class BatchLookups {
  private readonly connections = new Map<string, Promise<ConnectionRef[]>>();
  private readonly rosters = new Map<string, Promise<GroupRoster>>();

  constructor(private readonly deps: Pick<Deps, 'sessions' | 'groups' | 'clock'>) {}

  /** The user's live connections. */
  connectionsOf(uid: string): Promise<ConnectionRef[]> {
    return memo(this.connections, uid, () => this.deps.sessions.byUser(uid, this.deps.clock.now(), 'eventual'));
  }

  /** The group's creation time and members (GroupStore.roster). */
  rosterOf(gid: string): Promise<GroupRoster> {
    return memo(this.rosters, gid, () => this.deps.groups.roster(gid, 'eventual'));
  }
}

function memo<V>(map: Map<string, Promise<V>>, key: string, read: () => Promise<V>): Promise<V> {
  let value = map.get(key);
  if (!value) {
    value = read();
    map.set(key, value);
    value.catch(() => map.delete(key));
  }
  return value;
}
