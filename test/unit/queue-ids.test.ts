import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cmidProblem } from '../../shared/protocol/cmid.js';
import { conversationId } from '../../shared/protocol/identifiers.js';
import { queueSafeId, SQS_ID_PATTERN } from '../../shared/aws/sqs-job-queue.js';
import { messageDedupId, pushDedupId } from '../../shared/domain/queue-ids.js';

describe('queue ids', () => {
  it('never lets two different (sender, cmid) pairs share a dedup id', () => {
    // the reproduction: joined with ':', ("p", "q:k1") and ("p:q", "k1") were one id
    expect(messageDedupId('p', 'q:k1')).not.toBe(messageDedupId('p:q', 'k1'));
    expect(messageDedupId('a', 'b#c')).not.toBe(messageDedupId('a#b', 'c'));
    expect(messageDedupId('alice', 'k1', true)).not.toBe(messageDedupId('alice', 'k1'));
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.string(), fc.string(), (s1, c1, s2, c2) => {
        fc.pre(s1 !== s2 || c1 !== c2);
        return messageDedupId(s1, c1) !== messageDedupId(s2, c2);
      }),
    );
  });

  it('makes ids SQS accepts from any input (spaces, emoji, newlines, unpaired surrogates, 255 chars)', () => {
    const odd = ['has space', '🙂'.repeat(64), 'line\nbreak', '\ud800', 'x'.repeat(255), '', 'tab\there', 'ünï'];
    for (const cmid of odd) expect(messageDedupId('alice', cmid)).toMatch(SQS_ID_PATTERN);
    fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 300 }), (s) => SQS_ID_PATTERN.test(messageDedupId('u', s))));
    expect(pushDedupId('any key with spaces: 🙂', 'k:conn id', 3)).toMatch(SQS_ID_PATTERN);
    expect(pushDedupId('a', 'b', 1)).not.toBe(pushDedupId('a', 'b', 2));
  });

  it('keeps conversation group ids readable when SQS takes them, hashes them otherwise', () => {
    expect(queueSafeId('u:alice:bob')).toBe('u:alice:bob');
    expect(queueSafeId('r:live:match-7')).toBe('r:live:match-7');
    const long = conversationId('a'.repeat(64), { user: 'b'.repeat(64) });
    expect(long.length).toBeGreaterThan(128);
    expect(queueSafeId(long)).toMatch(/^h:[A-Za-z0-9_-]{43}$/);
    expect(queueSafeId('push:k:conn with space')).toMatch(SQS_ID_PATTERN);
    expect(queueSafeId('push:k:a b')).not.toBe(queueSafeId('push:k:a c'));
  });
});

describe('cmid rules', () => {
  it('accepts any printable text of 1-64 characters: spaces, emoji, newlines, any script', () => {
    for (const ok of ['c-1', 'has space', 'line\nbreak\r\n', 'tab\t', '🙂'.repeat(64), 'x'.repeat(64), 'ünïcødé ✓', 'עברית', 'q:k1#x', '"quoted\\"']) {
      expect(cmidProblem(ok), JSON.stringify(ok)).toBeUndefined();
    }
  });

  it('refuses empty, too long, control characters and unpaired surrogates', () => {
    expect(cmidProblem('')).toMatch(/empty/);
    expect(cmidProblem('x'.repeat(65))).toMatch(/64/);
    expect(cmidProblem('🙂'.repeat(65))).toMatch(/64/);
    expect(cmidProblem('x'.repeat(255), 255)).toBeUndefined();
    expect(cmidProblem('nul\u0000')).toMatch(/control/);
    expect(cmidProblem('c1\u0085')).toMatch(/control/);
    expect(cmidProblem('half \ud83d')).toMatch(/surrogate/);
    expect(cmidProblem('\ude00 half')).toMatch(/surrogate/);
  });
});
