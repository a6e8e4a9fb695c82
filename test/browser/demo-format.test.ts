import { describe, expect, it } from 'vitest';
import { bodyText, dayLabel, linkify } from '../../local/demo/text-format.js';

describe('demo page text helpers', () => {
  it('links only http(s) URLs that parse, leaving trailing punctuation as text', () => {
    expect(linkify('see https://example.com/a?b=1&c=2. then (http://x.test/y) ok')).toEqual([
      { text: 'see ' },
      { text: 'https://example.com/a?b=1&c=2', href: 'https://example.com/a?b=1&c=2' },
      { text: '. then (' },
      { text: 'http://x.test/y', href: 'http://x.test/y' },
      { text: ') ok' },
    ]);
    expect(linkify('javascript:alert(1) data:text/html,<b>x</b> <a href="https://e.test">')).toEqual([
      { text: 'javascript:alert(1) data:text/html,<b>x</b> <a href="' },
      { text: 'https://e.test', href: 'https://e.test/' },
      { text: '">' },
    ]);
    expect(linkify('https://')).toEqual([{ text: 'https://' }]);
    expect(linkify('')).toEqual([]);
  });

  it('shows a body’s text, else the body as JSON', () => {
    expect(bodyText({ text: 'hi' })).toBe('hi');
    expect(bodyText({ score: '2:1' })).toBe('{"score":"2:1"}');
    expect(bodyText('raw')).toBe('raw');
    expect(bodyText(null)).toBe('null');
  });

  it('labels days: Today, Yesterday, a weekday within the week, else the date', () => {
    const now = new Date(2026, 10, 30, 12, 0).getTime();
    expect(dayLabel(new Date(2026, 10, 30, 0, 1).getTime(), now, 'en-US')).toBe('Today');
    expect(dayLabel(new Date(2026, 10, 29, 23, 59).getTime(), now, 'en-US')).toBe('Yesterday');
    expect(dayLabel(new Date(2026, 10, 26, 9).getTime(), now, 'en-US')).toBe('Thursday, Nov 26');
    expect(dayLabel(new Date(2026, 0, 2).getTime(), now, 'en-US')).toBe('Jan 2');
    expect(dayLabel(new Date(2025, 11, 31).getTime(), now, 'en-US')).toBe('Dec 31, 2025');
  });
});
