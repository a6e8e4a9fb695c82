import type { PushableFrame } from '../protocol/frames.js';
import type { DeliveryPlan } from './delivery-plan.js';
import type { Deps } from './deps.js';
import type { ConnectionRef } from './model.js';

/**
 * A frame for every connection in a room but `except`: one per API Gateway connection,
 * and one broadcast per gateway task, which fans out to its own room members (goim's
 * comet-side room broadcast).
 */
export async function planRoom(deps: Pick<Deps, 'sessions' | 'clock'>, rid: string, frame: PushableFrame, plan: DeliveryPlan, record: number, except?: string): Promise<void> {
  const tasks = new Map<string, ConnectionRef[]>();
  for (const ref of await deps.sessions.roomMembers(rid, deps.clock.now())) {
    if (ref.kind === 'gateway') {
      const members = tasks.get(ref.endpoint);
      if (members) members.push(ref);
      else tasks.set(ref.endpoint, [ref]);
    } else if (ref.connectionId !== except) plan.add(ref, frame, record);
  }
  for (const [endpoint, members] of tasks) plan.addRoomBroadcast({ endpoint, rid, frame, record, except, members });
}

