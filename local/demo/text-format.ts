/**
 * Pure text helpers of the demo page: message bodies cut into text and link pieces (the
 * page turns them into text nodes and anchors — never HTML), and the labels of dates.
 */

/** A piece of a message text: plain text, or a link to an http(s) URL. */
export type TextPiece = { text: string } | { text: string; href: string };

const URL_CANDIDATE = /\bhttps?:\/\/[^\s<>"'`]+/gi;
const TRAILING = /[.,;:!?)\]}'"]+$/;

/**
 * Cuts `text` into plain pieces and http(s) links. Only `http:` and `https:` URLs that
 * parse become links (no `javascript:`, `data:`…); trailing punctuation stays text.
 *
 * @example
 * linkify('see https://example.com/a.') // [{text:'see '}, {text:'https://example.com/a', href:'https://example.com/a'}, {text:'.'}]
 */
export function linkify(text: string): TextPiece[] {
  const out: TextPiece[] = [];
  let last = 0;
  for (const match of text.matchAll(URL_CANDIDATE)) {
    const raw = match[0].replace(TRAILING, '');
    const start = match.index;
    let href: string | undefined;
    try {
      const url = new URL(raw);
      if (url.protocol === 'http:' || url.protocol === 'https:') href = url.href;
    } catch {
      href = undefined;
    }
    if (!href) continue;
    if (start > last) out.push({ text: text.slice(last, start) });
    out.push({ text: raw, href });
    last = start + raw.length;
  }
  if (last < text.length) out.push({ text: text.slice(last) });
  return out;
}

/** The text a message body shows: its `text` field when it has one, else the body as JSON. */
export function bodyText(body: unknown): string {
  const text = (body as { text?: unknown } | null)?.text;
  if (typeof text === 'string') return text;
  if (typeof body === 'string') return body;
  return JSON.stringify(body) ?? String(body);
}

/** The local calendar day of an epoch-ms time, as a sortable key. */
export function dayKey(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${d.getMonth() + 1}-${d.getDate()}`;
}

/**
 * The label of a day separator: "Today", "Yesterday", a weekday within the week, else
 * the date (with the year when it is not this year's).
 */
export function dayLabel(ms: number, now: number, locale?: string): string {
  const day = new Date(ms);
  const today = new Date(now);
  const startOf = (d: Date) => new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
  const days = Math.round((startOf(today) - startOf(day)) / 86_400_000);
  if (days === 0) return 'Today';
  if (days === 1) return 'Yesterday';
  if (days > 1 && days < 7) return day.toLocaleDateString(locale, { weekday: 'long', day: 'numeric', month: 'short' });
  return day.toLocaleDateString(locale, { day: 'numeric', month: 'short', ...(day.getFullYear() !== today.getFullYear() ? { year: 'numeric' } : {}) });
}

/** Hours and minutes of a time, e.g. "14:05". */
export function timeLabel(ms: number, locale?: string): string {
  return new Date(ms).toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit' });
}
