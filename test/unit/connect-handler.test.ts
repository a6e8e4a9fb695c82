import { describe, expect, it } from 'vitest';
import { createConnectHandler } from '../../functions/connect.js';
import type { App } from '../../shared/app.js';
import { domainSettings, loadConfig } from '../../shared/config.js';
import type { Session } from '../../shared/domain/model.js';
import { OverloadedError } from '../../shared/errors.js';

const event = {
  requestContext: { connectionId: 'c1', routeKey: '$connect', domainName: 'api.example', stage: 'prod', authorizer: { uid: 'ann', device: 'd', platform: 'web' } },
};
const appWith = (put: (s: Session) => Promise<void>) =>
  ({
    config: loadConfig({ EDGEIM_JWT_SECRET: 'x' }),
    settings: domainSettings(loadConfig({ EDGEIM_JWT_SECRET: 'x' })),
    clock: { now: () => 1_800_000_000_000 },
    sessions: { put, remove: async () => undefined },
    logger: { warn: () => undefined },
  }) as unknown as App;

describe('$connect handler', () => {
  it('writes the session once and accepts', async () => {
    const written: Session[] = [];
    const reply = await createConnectHandler(async () => appWith(async (s) => void written.push(s)))(event);
    expect(reply).toEqual({ statusCode: 200 });
    expect(written).toEqual([expect.objectContaining({ connectionId: 'c1', uid: 'ann', kind: 'apigw', endpoint: 'https://api.example/prod', rooms: [] })]);
  });

  it('refuses the upgrade with 503 and Retry-After when the store sheds the write (not a 500)', async () => {
    const reply = await createConnectHandler(async () =>
      appWith(async () => {
        throw new OverloadedError('the store is overloaded', 1500);
      }),
    )(event);
    expect(reply).toEqual({ statusCode: 503, headers: { 'retry-after': '2' } });
  });
});
