import { describe, expect, it } from 'vitest';
import { asRecord, edgeimEnvironment, type EnvironmentRefs, type Role } from '../../infra/environment.js';
import { createApp } from '../../shared/app.js';
import { loadConfig } from '../../shared/config.js';

const refs: EnvironmentRefs = {
  tables: { sessions: 's', timelines: 't', groups: 'g', ids: 'i' },
  queueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/edgeim-jobs.fifo',
  offlineTopicArn: 'arn:aws:sns:eu-west-1:123456789012:offline',
  wsManagementEndpoint: 'https://abc.execute-api.eu-west-1.amazonaws.com/prod',
  apiKeysSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:keys',
  jwt: { secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:jwt' },
  retentionDays: 7,
  writeFanoutMax: 500,
  gatewaySecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:gateway',
  gateway: { tcpPort: 3101, wsPort: 3102, httpPort: 3180, drainSeconds: 10, heartbeatTimeoutSeconds: 300, metrics: { namespace: 'edgeim/Test', service: 'gateway' } },
  nodes: { domain: 'nlb.example.com', tcpPort: 3104, wsPort: 3103, wssPort: 3103, heartbeatSeconds: 120, heartbeatMax: 2 },
};
const roles: Role[] = ['authorizer', 'connect', 'disconnect', 'default', 'heartbeat', 'fanout-job', 'push-api', 'gateway'];

describe('deployed environments', () => {
  it.each(roles)('%s: the settings it gets parse and build the app without network access', async (role) => {
    const app = await createApp(loadConfig(asRecord(edgeimEnvironment(role, refs))));
    expect(app.config.EDGEIM_SESSIONS_TABLE).toBe('s');
  });

  it('gives the JWT secret only to the roles that verify tokens', () => {
    const holders = roles.filter((role) => edgeimEnvironment(role, refs).EDGEIM_JWT_SECRET_ARN);
    expect(holders).toEqual(['authorizer', 'gateway']);
  });

  it('gives the gateway credential only to the gateway and its callers (the job, the push API)', () => {
    const holders = roles.filter((role) => edgeimEnvironment(role, refs).EDGEIM_GATEWAY_SECRET_ARN);
    expect(holders).toEqual(['fanout-job', 'push-api', 'gateway']);
  });

  it('the gateway gets its heartbeat timeout and metric, the push API tells goim clients the ports and heartbeat', () => {
    expect(edgeimEnvironment('gateway', refs)).toMatchObject({ EDGEIM_HEARTBEAT_TIMEOUT_MS: '300000', EDGEIM_GATEWAY_METRICS_NAMESPACE: 'edgeim/Test' });
    expect(edgeimEnvironment('push-api', refs)).toMatchObject({ EDGEIM_NODES_TCP_PORT: '3104', EDGEIM_NODES_HEARTBEAT_SECONDS: '120', EDGEIM_NODES_HEARTBEAT_MAX: '2' });
  });
});
