import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../shared/config.js';

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
