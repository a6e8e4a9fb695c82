import type { z } from 'zod';

/**
 * The one formatter of validation failures, used on every edge (WebSocket API, gateway,
 * push API, goim routes) and for the configuration: each problem names the field (or the
 * parameter, or the setting) and says what was expected and what came instead, e.g.
 *
 *   to: expected one of {"user": uid}, {"group": gid}, {"room": rid}, got "all"
 *   operation: expected an integer, got "abc"
 *   EDGEIM_PUSH_API_PORT: expected a port number 0-65535 (0 picks a free one), got "99999"
 *
 * Parse with `{ reportInput: true }` so the issues carry what was received.
 */

type Issue = z.core.$ZodIssue;

export interface DescribeOptions {
  /** Name of the value itself (a query parameter, a setting), put before the issue's path. */
  name?: string;
  /**
   * The value that was parsed, before any coercion: what "got" shows is read from it at
   * the issue's path (so a query `after=x` shows `"x"`, not the NaN it coerced to).
   */
  input?: unknown;
  /** Never echo what was received (secrets). */
  redact?: boolean;
  /** At most this many problems (default 3). */
  max?: number;
}

/** `to.users[0]`: a path as a reader writes it. */
export function fieldPath(path: readonly PropertyKey[], name?: string): string {
  let out = name ?? '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out;
}

/** A short, safe rendering of a received value. */
export function shown(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'number' && Number.isNaN(value)) return 'not a number';
  if (Array.isArray(value)) return value.length === 0 ? 'an empty array' : 'an array';
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value);
    return keys.length === 0 ? 'an empty object' : `an object with ${keys.slice(0, 5).map((k) => JSON.stringify(k.slice(0, 40))).join(', ')}`;
  }
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

const TYPE_NAMES: Record<string, string> = {
  object: 'an object',
  array: 'an array',
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  bigint: 'an integer',
  null: 'null',
};
const typeName = (t: string) => TYPE_NAMES[t] ?? t;

/** The value at `path` inside `root`, or undefined. */
function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v = root;
  for (const key of path) {
    if (v === null || typeof v !== 'object' || !Object.hasOwn(v, key)) return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

/** `, got <value>` from the original input when given, else the issue's; nothing when absent or redacted. */
function got(issue: Issue, options: DescribeOptions): string {
  if (options.redact) return '';
  const value = 'input' in options ? valueAt(options.input, issue.path) : (issue as { input?: unknown }).input;
  return value === undefined ? '' : `, got ${shown(value)}`;
}

/** Whether a message is zod's own (English locale) rather than one a schema chose. */
const isDefault = (message: string) => /^(Invalid|Too (big|small)|Unrecognized)/.test(message);

/** Whether zod reported the value as absent. */
const missing = (issue: Issue) => issue.code === 'invalid_type' && / received undefined$/.test(issue.message);

/** What each branch of a failed union wanted, from its issues (a type, values, or an object's keys). */
function branchWants(issues: readonly Issue[]): string {
  const root = issues.find((i) => i.path.length === 0 && i.code !== 'unrecognized_keys');
  if (root?.code === 'invalid_type') return typeName(root.expected);
  if (root?.code === 'invalid_value') return root.values.map((v) => JSON.stringify(v)).join(' or ');
  const keys = issues.filter((i) => i.path.length === 1 && (i.code === 'invalid_type' || i.code === 'invalid_value')).map((i) => JSON.stringify(String(i.path[0])));
  if (keys.length > 0) return `{${keys.join(', ')}}`;
  return root ? root.message : 'something else';
}

/** What was expected, in words, for one issue (without the field name). */
function expectation(issue: Issue, options: DescribeOptions): string {
  const rest = got(issue, options);
  if (issue.code === 'invalid_union' && issue.errors.length > 0 && issue.errors.every((b) => b.some((i) => i.path.length === 0 && missing(i)))) {
    return `required${isDefault(issue.message) ? '' : ` (${issue.message})`}`;
  }
  if (!isDefault(issue.message)) return `${issue.message}${rest}`; // the schema's own words
  switch (issue.code) {
    case 'invalid_type':
      if (missing(issue)) return `required (expected ${typeName(issue.expected)})`;
      return `expected ${typeName(issue.expected)}${rest}`;
    case 'too_small':
    case 'too_big': {
      const bound = String(issue.code === 'too_small' ? issue.minimum : issue.maximum);
      const dir = issue.code === 'too_small' ? (issue.inclusive ? 'at least' : 'more than') : issue.inclusive ? 'at most' : 'less than';
      if (issue.origin === 'string') return `expected ${dir} ${bound} characters${rest}`;
      if (issue.origin === 'array' || issue.origin === 'set') return `expected ${dir} ${bound} items${rest}`;
      return `expected a number ${dir} ${bound}${rest}`;
    }
    case 'invalid_value':
      return `expected ${issue.values.map((v) => JSON.stringify(v)).join(' or ')}${rest}`;
    case 'unrecognized_keys':
      return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`;
    case 'invalid_union': {
      if ((issue as { note?: string }).note === 'No matching discriminator') {
        const opts = ((issue as { options?: unknown[] }).options ?? []).map((o) => JSON.stringify(o));
        return `expected ${opts.join(' or ')}${rest}`;
      }
      const wants = [...new Set(issue.errors.map(branchWants))];
      return `expected ${wants.length > 1 ? `one of ${wants.join(', ')}` : wants[0]}${rest}`;
    }
    case 'invalid_format':
      return `expected ${issue.format === 'regex' ? `text matching ${issue.pattern}` : `a valid ${issue.format}`}${rest}`;
    default:
      return `${issue.message}${rest}`;
  }
}

/** One problem as one line: `field: what was expected, got what`. */
export function describeIssue(issue: Issue, options: DescribeOptions = {}): string {
  const field = fieldPath(issue.path, options.name);
  const text = expectation(issue, options);
  if (!field) return text;
  // A custom message that already names the field ("body is required") is not prefixed twice.
  const last = issue.path.length ? String(issue.path[issue.path.length - 1]) : options.name;
  if (last && text.startsWith(`${last} `)) {
    const parent = fieldPath(issue.path.slice(0, -1), issue.path.length ? options.name : undefined);
    return parent ? `${parent}.${text}` : text;
  }
  return `${field}: ${text}`;
}

/** Every problem of a failed parse (up to `max`), joined with "; ". */
export function describeIssues(issues: readonly Issue[], options: DescribeOptions = {}): string {
  const max = options.max ?? 3;
  const lines = issues.slice(0, max).map((i) => describeIssue(i, options));
  if (issues.length > max) lines.push(`and ${issues.length - max} more`);
  return lines.join('; ');
}
