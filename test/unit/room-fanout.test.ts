import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../shared/config.js';
import { userCaller } from '../../shared/domain/deps.js';
import { sendMessage } from '../../shared/domain/messaging.js';
import { memoryDeps } from '../../shared/memory/memory-deps.js';
import { connect, runQueued } from './job-runner.js';

describe('room fan-out', () => {
  it("API Gateway members get the frame but the sender's connection; each gateway task gets one @rooms call; nothing is stored", async () => {
    const deps = memoryDeps(loadConfig({}));
    const inRoom = { rooms: ['lobby'] };
    await connect(deps, 'a-1', 'a', inRoom);
    await connect(deps, 'b-1', 'b', inRoom);
    await connect(deps, 'c-1', 'c'); // not in the room
    for (const [id, task] of [['g-1', 'http://10.0.0.1:3180'], ['g-2', 'http://10.0.0.1:3180'], ['g-3', 'http://10.0.0.2:3180']] as const) {
      await connect(deps, id, `u-${id}`, { ...inRoom, kind: 'gateway', endpoint: task });
    }
    const { msgId } = await sendMessage(deps, userCaller('a', 'a-1'), { to: { room: 'lobby' }, body: 'hello room' });
    await runQueued(deps);
    expect(deps.delivery.framesTo('a-1')).toEqual([]);
    expect(deps.delivery.framesTo('c-1')).toEqual([]);
    expect(deps.delivery.framesTo('b-1')).toEqual([{ type: 'message', timeline: 'room:lobby', seq: 0, message: expect.objectContaining({ id: msgId }) }]);
    expect(deps.delivery.roomPosts.map((p) => [p.endpoint, p.rid, p.except]).sort()).toEqual([
      ['http://10.0.0.1:3180', 'lobby', 'a-1'],
      ['http://10.0.0.2:3180', 'lobby', 'a-1'],
    ]);
    expect(deps.delivery.posts.map((p) => p.connectionId)).toEqual(['b-1']); // no gateway connection posted one by one
    expect(await deps.timelines.head('room:lobby')).toBe(0);
  });
});
