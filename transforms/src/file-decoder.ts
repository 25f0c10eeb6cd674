import { isAscii, isUtf8 } from 'node:buffer';

/**
 * File bytes to text for the parsers, chunk by chunk, so that one bad byte costs one record instead of
 * the whole file: bytes that are not valid in the encoding read as U+FFFD and are reported with their
 * place in the text and their offset in the file, and the parser rejects the record that holds them.
 */

/**
 * The encodings a file may be read in. As in the WHATWG Encoding Standard (browsers, `TextDecoder`),
 * `latin1` and `iso-8859-1` are names of `windows-1252`, whose bytes 0x80–0x9F are `€`, `‚`, `’`, …
 * rather than control characters.
 */
export const TEXT_ENCODINGS = ['utf-8', 'latin1', 'iso-8859-1', 'windows-1252', 'utf-16le'] as const;
export type TextEncoding = (typeof TEXT_ENCODINGS)[number];

export interface InvalidBytes {
  /** Index in the decoded text of the U+FFFD that stands for them. */
  at: number;
  /** What is wrong and where, e.g. `invalid UTF-8 at byte offset 17`. */
  reason: string;
}

export interface DecodedText {
  text: string;
  invalid: InvalidBytes[];
}

export interface FileDecoder {
  write(bytes: Uint8Array): DecodedText;
  /** The bytes held back for a character the file never completed, which are invalid. */
  end(): DecodedText;
}

/** How the characters of an encoding are laid out in bytes. */
interface ByteLayout {
  /** The name in messages. */
  name: string;
  /** The text of whole characters, or undefined when some bytes are not valid. */
  decodeValid(bytes: Uint8Array): string | undefined;
  /** How many bytes at the end of `bytes` start a character that the next bytes may complete. */
  unfinishedTail(bytes: Uint8Array): number;
  /** The byte length of the valid character at `at`, or minus the number of invalid bytes there. */
  characterAt(bytes: Uint8Array, at: number): number;
}

/** WHATWG index-windows-1252 at 0x80–0x9F; every other byte is the code point of the same number. */
const WINDOWS_1252_80_TO_9F = '€\x81‚ƒ„…†‡ˆ‰Š‹Œ\x8DŽ\x8F\x90‘’“”•–—˜™š›œ\x9DžŸ';

/**
 * Not `TextDecoder`: since Node 20.18.3 its one-call `decode` reads windows-1252 as ISO-8859-1, 0x80 as
 * U+0080 instead of `€` (nodejs/node#60888), and without full ICU it has no windows-1252 at all.
 */
const windows1252: ByteLayout = {
  name: 'windows-1252',
  decodeValid(bytes) {
    const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
    return text.replace(/[\x80-\x9f]/g, (char) => WINDOWS_1252_80_TO_9F[char.charCodeAt(0) - 0x80]!);
  },
  unfinishedTail: () => 0,
  characterAt: () => 1,
};

// A BOM is text here: the parsers drop it at the start of a file, and only there.
const utf16leStrict = new TextDecoder('utf-16le', { fatal: true, ignoreBOM: true });

/** Lengths and second-byte ranges as in the WHATWG UTF-8 decoder, so overlongs and surrogates are invalid. */
const utf8: ByteLayout = {
  name: 'UTF-8',
  decodeValid(bytes) {
    // Node 20's TextDecoder takes ~13x longer than Buffer's own decoding here (108 against 8 ms for 56 MB of
    // ASCII); checking the bytes first costs little (simdutf). Only whole characters arrive here, so a
    // valid chunk decodes on its own, and Buffer keeps a BOM as text.
    const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (isAscii(bytes)) return buffer.toString('latin1');
    return isUtf8(bytes) ? buffer.toString('utf8') : undefined;
  },
  unfinishedTail(bytes) {
    for (let back = 1; back <= Math.min(3, bytes.length); back++) {
      const byte = bytes[bytes.length - back]!;
      if (byte < 0x80) return 0;
      if (byte >= 0xc0) return utf8Length(byte) > back ? back : 0;
    }
    return 0;
  },
  characterAt(bytes, at) {
    const lead = bytes[at]!;
    if (lead < 0x80) return 1;
    const length = utf8Length(lead);
    if (length === 0) return -1;
    let low = lead === 0xe0 ? 0xa0 : lead === 0xf0 ? 0x90 : 0x80;
    let high = lead === 0xed ? 0x9f : lead === 0xf4 ? 0x8f : 0xbf;
    for (let next = 1; next < length; next++) {
      const byte = bytes[at + next];
      // The lead and the continuation bytes that fit it so far are one invalid sequence.
      if (byte === undefined || byte < low || byte > high) return -next;
      low = 0x80;
      high = 0xbf;
    }
    return length;
  },
};

/** 0 for a byte that cannot start a character. */
function utf8Length(lead: number): number {
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
}

/** Two bytes a unit, low byte first; a surrogate is valid only as a high one followed by a low one. */
const utf16le: ByteLayout = {
  name: 'UTF-16LE',
  decodeValid(bytes) {
    try {
      return utf16leStrict.decode(bytes);
    } catch (error) {
      if ((error as { code?: string }).code === 'ERR_ENCODING_INVALID_ENCODED_DATA') return undefined;
      throw error;
    }
  },
  unfinishedTail(bytes) {
    const odd = bytes.length % 2;
    const lastUnit = bytes.length - odd - 2;
    return odd + (lastUnit >= 0 && isHighSurrogate(bytes, lastUnit) ? 2 : 0);
  },
  characterAt(bytes, at) {
    if (at + 1 >= bytes.length) return -1;
    if (isHighSurrogate(bytes, at)) return at + 3 < bytes.length && isLowSurrogate(bytes, at + 2) ? 4 : -2;
    return isLowSurrogate(bytes, at) ? -2 : 2;
  },
};

function isHighSurrogate(bytes: Uint8Array, unit: number): boolean {
  return (bytes[unit + 1]! & 0xfc) === 0xd8;
}

function isLowSurrogate(bytes: Uint8Array, unit: number): boolean {
  return (bytes[unit + 1]! & 0xfc) === 0xdc;
}

const layouts: Record<TextEncoding, ByteLayout> = {
  'utf-8': utf8,
  latin1: windows1252,
  'iso-8859-1': windows1252,
  'windows-1252': windows1252,
  'utf-16le': utf16le,
};

/**
 * A decoder for one file. Each chunk is cut after its last complete character (the rest waits for the
 * next chunk) and decoded in one call when it is valid; only a chunk that is not is walked character by
 * character to find its invalid bytes.
 */
export function createFileDecoder(encoding: TextEncoding = 'utf-8', startOffset = 0): FileDecoder {
  const layout = layouts[encoding];
  let held = new Uint8Array(0);
  /** File offset of the first byte not decoded yet (`startOffset`: a piece of a file starts there). */
  let offset = startOffset;

  function decode(bytes: Uint8Array): DecodedText {
    const start = offset;
    offset += bytes.length;
    const text = layout.decodeValid(bytes);
    return text === undefined ? decodeMarkingInvalid(bytes, start) : { text, invalid: [] };
  }

  function decodeMarkingInvalid(bytes: Uint8Array, start: number): DecodedText {
    const result: DecodedText = { text: '', invalid: [] };
    let validFrom = 0;
    let at = 0;
    while (at < bytes.length) {
      const length = layout.characterAt(bytes, at);
      if (length > 0) {
        at += length;
        continue;
      }
      result.text += layout.decodeValid(bytes.subarray(validFrom, at));
      result.invalid.push({ at: result.text.length, reason: `invalid ${layout.name} at byte offset ${start + at}` });
      result.text += '\uFFFD';
      at -= length;
      validFrom = at;
    }
    result.text += layout.decodeValid(bytes.subarray(validFrom));
    return result;
  }

  return {
    write(bytes) {
      const input = held.length === 0 ? bytes : concat(held, bytes);
      const complete = input.length - layout.unfinishedTail(input);
      // A copy: the stream may reuse the memory of its chunks.
      held = new Uint8Array(input.subarray(complete));
      return decode(input.subarray(0, complete));
    },
    end() {
      const rest = held;
      held = new Uint8Array(0);
      return decode(rest);
    },
  };
}

function concat(first: Uint8Array, second: Uint8Array): Uint8Array {
  const joined = new Uint8Array(first.length + second.length);
  joined.set(first);
  joined.set(second, first.length);
  return joined;
}
