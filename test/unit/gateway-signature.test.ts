import { describe, expect, it } from 'vitest';
import { checkSignature, MAX_SKEW_SECONDS, sha256Hex, signatureHeader } from '../../shared/protocol/gateway-signature.js';

const SECRET = 's'.repeat(32);
const call = { method: 'POST', target: '/@rooms/live%3A1?except=abc', body: '{"type":"push","op":1000,"body":1}' };
const NOW = 1_800_000_000_000;

describe('gateway internal API signature', () => {
  it('has the documented shape and verifies for the same call', () => {
    const header = signatureHeader(SECRET, call, NOW);
    expect(header).toMatch(/^t=1800000000,body=[0-9a-f]{64},v1=[0-9a-f]{64}$/);
    expect(checkSignature(SECRET, header, call, NOW)).toEqual({ ok: true, bodyHash: sha256Hex(call.body) });
    expect(checkSignature(SECRET, header, call, NOW + MAX_SKEW_SECONDS * 1000).ok).toBe(true);
  });

  it.each([
    ['another secret', SECRET + 'x', call, NOW],
    ['another method', SECRET, { ...call, method: 'DELETE' }, NOW],
    ['another path', SECRET, { ...call, target: '/@rooms/live%3A2?except=abc' }, NOW],
    ['another query', SECRET, { ...call, target: '/@rooms/live%3A1' }, NOW],
    ['a time past the skew', SECRET, call, NOW + (MAX_SKEW_SECONDS + 1) * 1000],
    ['a time before the skew', SECRET, call, NOW - (MAX_SKEW_SECONDS + 1) * 1000],
  ])('refuses a signature checked with %s', (_name, secret, checked, now) => {
    expect(checkSignature(secret, signatureHeader(SECRET, call, NOW), checked, now).ok).toBe(false);
  });

  it.each([undefined, '', 'garbage', 't=1,body=x,v1=y', `t=1800000000,body=${'a'.repeat(64)},v1=${'b'.repeat(63)}`, `t=abc,body=${'a'.repeat(64)},v1=${'b'.repeat(64)}`])(
    'refuses a malformed header %j without throwing',
    (header) => {
      expect(checkSignature(SECRET, header, call, NOW).ok).toBe(false);
    },
  );

  it('binds the body through its hash: a changed body no longer matches the vouched hash', () => {
    const check = checkSignature(SECRET, signatureHeader(SECRET, call, NOW), call, NOW);
    expect(check.ok && check.bodyHash === sha256Hex(call.body + ' ')).toBe(false);
    const tampered = signatureHeader(SECRET, call, NOW).replace(/body=[0-9a-f]{64}/, `body=${sha256Hex('other')}`);
    expect(checkSignature(SECRET, tampered, call, NOW).ok).toBe(false);
  });
});
