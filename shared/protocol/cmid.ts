import * as z from 'zod/mini';

/**
 * Client message ids (`cmid`): what a sender repeats to make a retried send idempotent.
 *
 * A cmid is any well-formed Unicode string of 1–64 characters (code points, so an emoji
 * counts as one) that holds no control characters other than tab, line feed and carriage
 * return: spaces, `:`, `#`, emoji, newlines and every script are fine. Unpaired surrogates
 * are refused (they are not text, and storage would silently replace them, so two
 * different ids could meet). The push API's `Idempotency-Key`, which is the cmid of a
 * `/v1/messages` send, may hold up to 255 characters.
 */
export const MAX_CMID_CHARS = 64;
/** Longest cmid the domain accepts from any edge (the push API's Idempotency-Key). */
export const MAX_IDEMPOTENCY_KEY_CHARS = 255;

// C0 controls but tab, LF and CR; DEL; C1 controls.
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;
const UNPAIRED_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Why `value` is not a valid cmid of at most `maxChars` characters, or undefined when it is. */
export function cmidProblem(value: string, maxChars: number = MAX_CMID_CHARS): string | undefined {
  if (value.length === 0) return 'cmid must not be empty';
  if (UNPAIRED_SURROGATE.test(value)) return 'cmid must be well-formed Unicode (no unpaired surrogates)';
  let chars = 0;
  for (const _ of value) if (++chars > maxChars) return `cmid must be at most ${maxChars} characters`;
  if (CONTROL.test(value)) return 'cmid must not hold control characters other than tab, line feed and carriage return';
  return undefined;
}

/** The `cmid` field of a client frame. */
export const cmidSchema = z.string().check(
  z.superRefine((value, ctx) => {
    const problem = cmidProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  }),
);
