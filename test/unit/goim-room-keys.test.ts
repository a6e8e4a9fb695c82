import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BadRequestError, toErrorBody } from '../../shared/errors.js';
import { goimRoomId, goimRoomOf, roomIdFromGoimKey, roomIdPrefixFromGoim } from '../../shared/protocol/goim/room-keys.js';
import { ROOM_ID_PATTERN } from '../../shared/protocol/identifiers.js';

/** What a caller of the conversion sees: the room id, or the wire error body. */
function outcome(convert: () => string): string | { code: string; message: string } {
  try {
    return convert();
  } catch (err) {
    return toErrorBody(err);
  }
}

describe('goim room keys', () => {
  it('type://id becomes type:id, from a whole key (gateway) and from its parts (goim HTTP API)', () => {
    expect(roomIdFromGoimKey('live://1000')).toBe('live:1000');
    expect(goimRoomId('live', '1000')).toBe('live:1000');
    expect(roomIdFromGoimKey('live://a:b')).toBe('live:a:b'); // the id may hold `:`
  });

  it('a key without :// is an edgeim room id already, used as is', () => {
    expect(roomIdFromGoimKey('lobby')).toBe('lobby');
    expect(roomIdFromGoimKey('live:1000')).toBe('live:1000');
  });

  it('both edges refuse the same keys with BAD_REQUEST naming the parameter, never INTERNAL', () => {
    const bad: [string, string][] = [
      ['live://', 'empty id'],
      ['://1000', 'empty type'],
      ['a:b://1', 'a type holding `:`'],
      [`${'t'.repeat(64)}://1`, 'a 64-char type'],
      [`live://${'x'.repeat(60)}`, 'longer than 64 chars in all'],
      ['live://a/b', 'a `/` in the id'],
      ['li ve://1', 'a space in the type'],
      ['', 'nothing'],
      ['lobby!', 'a plain id with a bad char'],
    ];
    for (const [key, why] of bad) {
      const got = outcome(() => roomIdFromGoimKey(key, 'room_id'));
      expect(got, why).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/^room_id: /) });
      const i = key.indexOf('://');
      if (i >= 0) expect(outcome(() => goimRoomId(key.slice(0, i), key.slice(i + 3))), why).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/^(type|room): /) });
    }
    expect(() => goimRoomId('live', '')).toThrow(BadRequestError);
  });

  it('any string either converts to a valid room id or is BAD_REQUEST; both forms agree', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), fc.string({ maxLength: 80 }), (type, room) => {
        const whole = outcome(() => roomIdFromGoimKey(`${type}://${room}`));
        const parts = outcome(() => goimRoomId(type, room));
        if (typeof whole === 'string') {
          expect(ROOM_ID_PATTERN.test(whole)).toBe(true);
          // a type holding `://` splits at its first one: then only the whole key is a key
          if (!type.includes('://')) expect(parts).toBe(whole);
        } else {
          expect(whole.code).toBe('BAD_REQUEST');
          if (!type.includes('://')) expect(typeof parts === 'string' ? parts : parts.code).toBe('BAD_REQUEST');
        }
      }),
    );
  });

  it('an edgeim room id reads back as its goim key', () => {
    expect(goimRoomOf('live:1000')).toEqual({ type: 'live', room: '1000', key: 'live://1000' });
    expect(goimRoomOf('live:a:b')).toEqual({ type: 'live', room: 'a:b', key: 'live://a:b' });
    expect(goimRoomOf('lobby')).toBeUndefined();
    expect(goimRoomOf(':1')).toBeUndefined();
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9_.@-]{1,20}$/), fc.stringMatching(/^[A-Za-z0-9_.:@-]{1,20}$/), (type, room) => {
        const rid = goimRoomId(type, room);
        expect(goimRoomOf(rid)).toEqual({ type, room, key: `${type}://${room}` });
        expect(roomIdFromGoimKey(goimRoomOf(rid)!.key)).toBe(rid);
      }),
    );
  });

  it('a key prefix (goim /online/top) reads `://` as `:` and is BAD_REQUEST when it cannot start a room id', () => {
    expect(roomIdPrefixFromGoim('live')).toBe('live');
    expect(roomIdPrefixFromGoim('live://1')).toBe('live:1');
    for (const bad of ['', 'li/ve', 'live:///1', 'x'.repeat(65)]) expect(outcome(() => roomIdPrefixFromGoim(bad)), bad).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/^type: /) });
  });
});
