import { describe, expect, it } from 'vitest';
import { ConfigError, domainSettings, loadConfig } from '../../shared/config.js';
import { tableDefinitions, TABLES } from '../../shared/aws/tables.js';

describe('loadConfig', () => {
  it('applies documented defaults', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ EDGEIM_WRITE_FANOUT_MAX: 500, EDGEIM_RETENTION_DAYS: 7, EDGEIM_SESSIONS_TABLE: 'edgeim-sessions' });
    expect(c.AWS_ENDPOINT_URL).toBeUndefined();
  });

  it('coerces numbers and treats empty strings as unset', () => {
    expect(loadConfig({ EDGEIM_WRITE_FANOUT_MAX: '3', AWS_ENDPOINT_URL: '' })).toMatchObject({ EDGEIM_WRITE_FANOUT_MAX: 3, AWS_ENDPOINT_URL: undefined });
  });

  it('rejects bad values with every problem named', () => {
    expect(() => loadConfig({ EDGEIM_WRITE_FANOUT_MAX: '0', EDGEIM_ID_STEP: 'lots' })).toThrow(ConfigError);
    expect(() => loadConfig({ EDGEIM_WRITE_FANOUT_MAX: '0', EDGEIM_ID_STEP: 'lots' })).toThrow(/EDGEIM_WRITE_FANOUT_MAX[\s\S]*EDGEIM_ID_STEP/);
  });

  it('refuses two JWT key sources at once', () => {
    expect(() => loadConfig({ EDGEIM_JWT_SECRET: 's', EDGEIM_JWKS_URL: 'https://issuer/jwks' })).toThrow(/only one of/);
  });
});

describe('loadConfig problems', () => {
  const problems = (env: Record<string, string>) => {
    try {
      loadConfig(env);
    } catch (err) {
      return (err as ConfigError).problems;
    }
    throw new Error('expected a ConfigError');
  };

  it('every port is 0-65535, named with what was given', () => {
    for (const setting of ['EDGEIM_PUSH_API_PORT', 'EDGEIM_WS_API_PORT', 'EDGEIM_DYNAMODB_PORT', 'EDGEIM_SQS_PORT', 'EDGEIM_GATEWAY_TCP_PORT', 'EDGEIM_GATEWAY_WS_PORT', 'EDGEIM_GATEWAY_HTTP_PORT', 'EDGEIM_NODES_TCP_PORT', 'EDGEIM_NODES_WS_PORT', 'EDGEIM_NODES_WSS_PORT']) {
      for (const bad of ['99999', '65536', '-1', 'abc', '80.5']) {
        expect(problems({ [setting]: bad }), `${setting}=${bad}`).toEqual([{ setting, problem: `expected a port number 0-65535 (0 picks a free one), got ${JSON.stringify(bad)}` }]);
      }
      expect(loadConfig({ [setting]: '0' })[setting as 'EDGEIM_PUSH_API_PORT']).toBe(0);
      expect(loadConfig({ [setting]: '65535' })[setting as 'EDGEIM_PUSH_API_PORT']).toBe(65535);
    }
  });

  it('URLs, switches and the TLS pair say what they expect; secrets are never echoed', () => {
    expect(problems({ AWS_ENDPOINT_URL: 'localhost:4566' })).toEqual([{ setting: 'AWS_ENDPOINT_URL', problem: 'expected an http:// or https:// URL, got "localhost:4566"' }]);
    expect(problems({ EDGEIM_GOIM_INSECURE_AUTH: 'on' })).toEqual([{ setting: 'EDGEIM_GOIM_INSECURE_AUTH', problem: 'expected true or false (or 1 / 0), got "on"' }]);
    expect(problems({ EDGEIM_GATEWAY_TLS_CERT_FILE: 'cert.pem' })).toEqual([
      { setting: 'EDGEIM_GATEWAY_TLS_KEY_FILE', problem: 'required with the other TLS file: set both EDGEIM_GATEWAY_TLS_CERT_FILE and EDGEIM_GATEWAY_TLS_KEY_FILE, or neither' },
    ]);
    const secret = problems({ EDGEIM_GATEWAY_SECRET: 'hunter2-is-short' });
    expect(secret).toEqual([{ setting: 'EDGEIM_GATEWAY_SECRET', problem: 'must be at least 32 characters' }]);
    expect(JSON.stringify(secret)).not.toContain('hunter2');
    expect(loadConfig({ AWS_ENDPOINT_URL: 'http://localhost:4566', EDGEIM_GOIM_INSECURE_AUTH: '1' })).toMatchObject({ AWS_ENDPOINT_URL: 'http://localhost:4566', EDGEIM_GOIM_INSECURE_AUTH: true });
  });
});

describe('domainSettings', () => {
  it('gives the domain each setting it reads under its own name, from the environment names', () => {
    const env = {
      EDGEIM_WRITE_FANOUT_MAX: '11',
      EDGEIM_RETENTION_DAYS: '12',
      EDGEIM_MAX_BODY_BYTES: '13',
      EDGEIM_MAX_PUSH_BYTES: '1400',
      EDGEIM_SESSION_TTL_SECONDS: '150',
      EDGEIM_DELIVERY_TIMEOUT_MS: '160',
      EDGEIM_MAX_ROOMS_PER_CONNECTION: '17',
      EDGEIM_DELIVERY_CONCURRENCY: '18',
      EDGEIM_JOB_GROUP_CONCURRENCY: '19',
    };
    expect(domainSettings(loadConfig(env))).toEqual({
      writeFanoutMax: 11,
      retentionDays: 12,
      maxBodyBytes: 13,
      maxPushBytes: 1400,
      sessionTtlSeconds: 150,
      deliveryTimeoutMs: 160,
      maxRoomsPerConnection: 17,
      deliveryConcurrency: 18,
      jobGroupConcurrency: 19,
    });
  });

  it('names the tables by logical name: each configured table gets its shape', () => {
    const defs = tableDefinitions(loadConfig({ EDGEIM_SESSIONS_TABLE: 's', EDGEIM_TIMELINES_TABLE: 't', EDGEIM_GROUPS_TABLE: 'g', EDGEIM_IDS_TABLE: 'i' }));
    expect(defs.map((d) => [d.TableName, d.KeySchema?.map((k) => k.AttributeName)])).toEqual([
      ['s', ['pk', 'sk']],
      ['t', ['pk', 'sk']],
      ['g', ['pk', 'sk']],
      ['i', ['pk']],
    ]);
    expect(Object.keys(TABLES)).toEqual(['sessions', 'timelines', 'groups', 'ids']);
  });
});
