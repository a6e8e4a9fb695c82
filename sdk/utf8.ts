/**
 * UTF-8 without assuming the host has TextEncoder/TextDecoder: Hermes (React Native)
 * has TextEncoder since RN 0.74 but TextDecoder only from RN 0.85, so the SDK uses the
 * host's codecs when they exist and these small fallbacks otherwise. Nothing is
 * created at import time.
 */

type Decoder = { decode(bytes: Uint8Array): string };
type Encoder = { encode(text: string): Uint8Array };
type Host = { TextDecoder?: new (label?: string, options?: { fatal?: boolean }) => Decoder; TextEncoder?: new () => Encoder };

let lenient: Decoder | undefined;
let strict: Decoder | undefined;
let encoder: Encoder | undefined;

/** UTF-8 bytes of a string. */
export function encodeUtf8(text: string): Uint8Array {
  const Ctor = (globalThis as Host).TextEncoder;
  if (Ctor) return (encoder ??= new Ctor()).encode(text);
  return fallbackEncode(text);
}

/**
 * A string from UTF-8 bytes. `fatal`: throw on bytes that are not valid UTF-8 (else they
 * become U+FFFD).
 */
export function decodeUtf8(bytes: Uint8Array, fatal = false): string {
  const Ctor = (globalThis as Host).TextDecoder;
  if (Ctor) return (fatal ? (strict ??= new Ctor('utf-8', { fatal: true })) : (lenient ??= new Ctor('utf-8'))).decode(bytes);
  return fallbackDecode(bytes, fatal);
}

function fallbackEncode(text: string): Uint8Array {
  const out: number[] = [];
  for (const ch of text) {
    let c = ch.codePointAt(0)!;
    if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd; // a lone surrogate
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
  return new Uint8Array(out);
}

function fallbackDecode(bytes: Uint8Array, fatal: boolean): string {
  let out = '';
  let i = 0;
  const bad = () => {
    if (fatal) throw new TypeError('the bytes are not valid UTF-8');
    out += '\ufffd';
    i++;
  };
  while (i < bytes.length) {
    const b = bytes[i]!;
    const need = b < 0x80 ? 0 : b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : -1;
    if (need < 0) {
      bad();
      continue;
    }
    if (need === 0) {
      out += String.fromCharCode(b);
      i++;
      continue;
    }
    if (i + need >= bytes.length) {
      bad(); // truncated sequence
      continue;
    }
    let c = b & (0xff >> (need + 2));
    let ok = true;
    for (let k = 1; k <= need; k++) {
      const n = bytes[i + k]!;
      if ((n & 0xc0) !== 0x80) {
        ok = false;
        break;
      }
      c = (c << 6) | (n & 63);
    }
    const min = need === 1 ? 0x80 : need === 2 ? 0x800 : 0x10000;
    if (!ok || c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff)) {
      bad();
      continue;
    }
    out += String.fromCodePoint(c);
    i += need + 1;
  }
  return out;
}
