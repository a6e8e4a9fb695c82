/**
 * Deepest JSON nesting accepted from outside (client frames, goim bodies, push API
 * bodies): objects and arrays inside each other at most this many levels. Deeper is
 * BAD_REQUEST (docs/PROTOCOL.md), found before anything recursive (JSON.stringify, zod)
 * walks the value.
 */
export const MAX_JSON_DEPTH = 64;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const OPEN_ARRAY = 0x5b;
const CLOSE_OBJECT = 0x7d;
const CLOSE_ARRAY = 0x5d;

/**
 * The deepest nesting of `text` read as JSON, found with one iterative pass (no
 * recursion, no allocation): brackets inside strings do not count. Stops counting once
 * `limit` is passed (returns `limit + 1`). Invalid JSON gets some number; JSON.parse
 * judges validity afterwards.
 */
export function jsonDepth(text: string, limit = MAX_JSON_DEPTH): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) {
      inString = true;
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      if (++depth > max) {
        max = depth;
        if (max > limit) return max;
      }
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      depth--;
    }
  }
  return max;
}
