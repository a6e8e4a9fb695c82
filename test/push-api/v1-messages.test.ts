import { describe, expect, it } from 'vitest';
import { useTestStack } from '../helpers/local-stack.js';
import { PushApiClient } from '../helpers/push-api-client.js';

describe('POST /v1/messages and groups', () => {
  const t = useTestStack();
  const api = () => new PushApiClient(t.stack.pushUrl);
  const send = (body: unknown, key: string) => api().post('/v1/messages', body, { 'Idempotency-Key': key });

  it('a message to an offline user is stored and synced later; the same Idempotency-Key twice stores one', async () => {
    const first = await send({ to: { user: 'vm-olga' }, body: { text: 'welcome' } }, 'vm-welcome');
    expect(first).toMatchObject({ status: 202, body: { msgId: expect.any(String) } });
    const again = await send({ to: { user: 'vm-olga' }, body: { text: 'welcome' } }, 'vm-welcome');
    expect(again.body.msgId).toBe(first.body.msgId);
    const asUser = await send({ from: 'vm-shop', to: { user: 'vm-olga' }, body: 'from a user' }, 'vm-2');
    await t.stack.drain();

    const olga = await t.connect('vm-olga');
    const page = await olga.call('sync', { timeline: 'inbox' });
    expect(page.head).toBe(2);
    expect(page.messages.map((m: any) => m.message)).toEqual([
      expect.objectContaining({ id: first.body.msgId, from: 'system', backend: true, to: { user: 'vm-olga' }, conv: 'u:system:vm-olga', body: { text: 'welcome' }, cmid: 'vm-welcome' }),
      expect.objectContaining({ id: asUser.body.msgId, from: 'vm-shop', backend: true, body: 'from a user', cmid: 'vm-2' }),
    ]);

    const timeline = await api().get('/v1/users/vm-olga/timeline?after=1&limit=10');
    expect(timeline.body).toEqual({ head: 2, messages: [{ seq: 2, message: expect.objectContaining({ id: asUser.body.msgId }) }] });
    // `from` is a label: nothing lands in the named user's inbox.
    expect((await api().get('/v1/users/vm-shop/timeline')).body).toEqual({ head: 0, messages: [] });
  });

  it('a message to an online user is delivered live', async () => {
    const pia = await t.connect('vm-pia');
    const { body } = await send({ to: { user: 'vm-pia' }, body: 'live' }, 'vm-live');
    const [frame] = await pia.messages(1);
    expect(frame).toMatchObject({ timeline: 'inbox', seq: 1, message: { id: body.msgId, body: 'live', from: 'system' } });
  });

  it('requires the Idempotency-Key header', async () => {
    const res = await api().post('/v1/messages', { to: { user: 'vm-x' }, body: 1 });
    expect(res).toMatchObject({ status: 400, body: { error: { code: 'BAD_REQUEST' } } });
  });

  it('group CRUD round-trips; members receive group messages; a deleted group is NOT_FOUND', async () => {
    const created = await api().post('/v1/groups', { group: 'vm-team', name: 'Team', members: ['vm-g1', 'vm-g2'] });
    expect(created).toMatchObject({ status: 201, body: { gid: 'vm-team', name: 'Team', memberCount: 2 } });
    expect(created.body.owner).toBeUndefined(); // a backend's group without an owner: only backends manage it
    expect((await api().post('/v1/groups', { group: 'vm-team' })).status).toBe(400);

    const got = await api().get('/v1/groups/vm-team');
    expect(got.body).toMatchObject({ gid: 'vm-team', memberCount: 2 });
    expect([...got.body.members].sort()).toEqual(['vm-g1', 'vm-g2']);

    expect((await api().post('/v1/groups/vm-team/members', { members: ['vm-g3'] })).body.memberCount).toBe(3);
    expect((await api().get('/v1/users/vm-g3/groups')).body).toEqual({ groups: ['vm-team'] });
    expect((await api().delete('/v1/groups/vm-team/members/vm-g1')).body.memberCount).toBe(2);
    expect((await api().get('/v1/users/vm-g1/groups')).body).toEqual({ groups: [] });

    const g3 = await t.connect('vm-g3');
    const sent = await send({ to: { group: 'vm-team' }, body: 'hi team' }, 'vm-team-1');
    expect(sent.status).toBe(202);
    const [frame] = await g3.messages(1);
    expect(frame!.message).toMatchObject({ id: sent.body.msgId, conv: 'g:vm-team', from: 'system', backend: true });
    // A backend may send to any group, under any label: the label is not checked against the members.
    expect((await send({ from: 'vm-g1', to: { group: 'vm-team' }, body: 'x' }, 'vm-team-2')).status).toBe(202);

    expect(await api().delete('/v1/groups/vm-team')).toMatchObject({ status: 200, body: {} });
    expect(await api().get('/v1/groups/vm-team')).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
    expect((await api().get('/v1/users/vm-g3/groups')).body).toEqual({ groups: [] });
    const afterDelete = await send({ to: { group: 'vm-team' }, body: 'anyone?' }, 'vm-team-3');
    expect(afterDelete).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
    expect((await api().delete('/v1/groups/vm-team')).status).toBe(404);
    expect((await api().post('/v1/groups/vm-team/members', { members: ['a'] })).status).toBe(404);
  });
});
