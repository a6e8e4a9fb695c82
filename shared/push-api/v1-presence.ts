import { onlineTotals, roomsOnline, userPresence } from '../domain/presence.js';
import { syncTimeline } from '../domain/timelines.js';
import { defineRoute } from './route.js';
import { onlineTotal, presence, ridParams, roomOnline, timelinePage, timelineQuery, uidParams } from './schemas.js';

/** Who is online, and a user's inbox, for backends. */
export const presenceRoutes = [
  defineRoute({
    id: 'getPresence',
    method: 'get',
    path: '/v1/users/{uid}/presence',
    tag: 'presence',
    summary: "A user's live connections",
    description: 'Every live connection of the user, on the WebSocket API (`apigw`) and the gateway (`gateway`), with device and platform.',
    params: uidParams,
    response: { status: 200, description: 'Presence.', schema: presence },
    examples: {
      params: { uid: 'alice' },
      response: {
        uid: 'alice',
        online: true,
        connections: [
          { key: 'Yq3xCd4JIAMCJvw=', kind: 'apigw', device: 'phone', platform: 'ios', rooms: ['match-7'], connectedAt: 1767225600000 },
          { key: 'g1042', kind: 'gateway', device: 'desktop', platform: 'linux', rooms: [], connectedAt: 1767225660000 },
        ],
      },
    },
    errors: ['BAD_REQUEST'],
    handler: ({ deps, params }) => userPresence(deps, params.uid),
  }),
  defineRoute({
    id: 'getTimeline',
    method: 'get',
    path: '/v1/users/{uid}/timeline',
    tag: 'messages',
    summary: "A user's inbox",
    description: 'Messages after `after` (seq), ascending, at most `limit`, and the inbox head: what the user would get with `sync`.',
    params: uidParams,
    query: timelineQuery,
    response: { status: 200, description: 'One page.', schema: timelinePage },
    examples: {
      params: { uid: 'alice' },
      query: { after: 41, limit: 100 },
      response: {
        messages: [
          {
            seq: 42,
            message: { id: '1042', conv: 'u:alice:shop', from: 'shop', to: { user: 'alice' }, body: { text: 'Your order shipped' }, cmid: 'order-42-shipped', sentAt: 1767225600000, backend: true },
          },
        ],
        head: 42,
      },
    },
    errors: ['BAD_REQUEST'],
    handler: ({ deps, caller, params, query }) => syncTimeline(deps, caller, { timeline: 'inbox', uid: params.uid, after: query.after, limit: query.limit }),
  }),
  defineRoute({
    id: 'getRoomOnline',
    method: 'get',
    path: '/v1/rooms/{rid}/online',
    tag: 'presence',
    summary: 'Live connections in a room',
    params: ridParams,
    response: { status: 200, description: 'Count.', schema: roomOnline },
    examples: { params: { rid: 'live:1000' }, response: { room: 'live:1000', online: 2 } },
    errors: ['BAD_REQUEST'],
    handler: async ({ deps, params }) => ({ room: params.rid, online: (await roomsOnline(deps, [params.rid]))[0]! }),
  }),
  defineRoute({
    id: 'getOnlineTotal',
    method: 'get',
    path: '/v1/online/total',
    tag: 'presence',
    summary: 'Live connections and users in total',
    description: 'Counted from the live sessions (one Query per session partition, no table scan), exact at the time of the request.',
    response: { status: 200, description: 'Totals.', schema: onlineTotal },
    examples: { response: { connections: 3, users: 2 } },
    errors: [],
    handler: ({ deps }) => onlineTotals(deps),
  }),
];
