import { describe, expect, it } from 'vitest';
import { FrameError, parseJsonText } from '../../shared/protocol/frames.js';
import { jsonDepth, MAX_JSON_DEPTH } from '../../shared/protocol/json-text.js';

const nest = (n: number) => '['.repeat(n) + ']'.repeat(n);

describe('JSON nesting limit', () => {
  it.each([
    ['1', 0],
    ['{}', 1],
    ['{"a":[1,{"b":[]}]}', 4],
    ['"[[[[{{{{"', 0],
    ['{"a":"\\"[[[["}', 1],
    ['["\\\\",[[]]]', 3],
  ])('depth of %s is %i', (text, depth) => {
    expect(jsonDepth(text)).toBe(depth);
  });

  it('finds any depth without recursion and stops counting past the limit', () => {
    expect(jsonDepth(nest(1_000_000))).toBe(MAX_JSON_DEPTH + 1);
    expect(jsonDepth(nest(1_000_000), 2_000_000)).toBe(1_000_000);
  });

  it('parseJsonText: 64 levels parse, 65 are BAD_REQUEST keeping the id', () => {
    expect(parseJsonText(nest(MAX_JSON_DEPTH))).toBeInstanceOf(Array);
    const err = (() => {
      try {
        parseJsonText(`{"id":"x","b":${nest(MAX_JSON_DEPTH)}}`);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(FrameError);
    expect(err).toMatchObject({ code: 'BAD_REQUEST', requestId: 'x' });
  });
});
