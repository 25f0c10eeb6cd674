import { describe, expect, it } from 'vitest';
import { createFileDecoder, type DecodedText, type TextEncoding } from './file-decoder.ts';

/** Decodes `chunks` as one file; `at` of each invalid sequence becomes its index in the whole text. */
function decodeAll(chunks: Uint8Array[], encoding?: TextEncoding): DecodedText {
  const decoder = createFileDecoder(encoding);
  const all: DecodedText = { text: '', invalid: [] };
  for (const decoded of [...chunks.map((chunk) => decoder.write(chunk)), decoder.end()]) {
    for (const { at, reason } of decoded.invalid) all.invalid.push({ at: all.text.length + at, reason });
    all.text += decoded.text;
  }
  return all;
}

/** Every way to cut `bytes` in two. */
function splits(bytes: Uint8Array): Uint8Array[][] {
  return Array.from({ length: bytes.length + 1 }, (_, at) => [bytes.subarray(0, at), bytes.subarray(at)]);
}

const bytesOf = (...parts: (string | number[])[]) =>
  Buffer.concat(parts.map((part) => (typeof part === 'string' ? Buffer.from(part) : Buffer.from(part))));

describe('createFileDecoder', () => {
  it('decodes valid UTF-8 the same wherever the bytes are split, keeping a BOM and a real U+FFFD as text', () => {
    const text = '\uFEFFid,name\n1,Zoë 😀 € \uFFFD\n';
    const bytes = Buffer.from(text);
    for (const chunks of splits(bytes))
      expect(decodeAll(chunks), `${chunks[0]!.length}`).toEqual({ text, invalid: [] });
    expect(decodeAll([...bytes].map((byte) => Uint8Array.of(byte)))).toEqual({ text, invalid: [] });
  });

  it('reads one invalid byte as U+FFFD and reports its offset in the file, wherever the bytes are split', () => {
    const bytes = bytesOf('id,name\n1,Ann\n2,Zo', [0xe9], '\n3,Bob\n');
    for (const chunks of splits(bytes)) {
      expect(decodeAll(chunks), `${chunks[0]!.length}`).toEqual({
        text: 'id,name\n1,Ann\n2,Zo\uFFFD\n3,Bob\n',
        invalid: [{ at: 18, reason: 'invalid UTF-8 at byte offset 18' }],
      });
    }
  });

  it('replaces invalid UTF-8 as TextDecoder does, one U+FFFD a maximal invalid sequence, never eating a line break', () => {
    const bytes = bytesOf(
      [0xc0, 0x80], // an overlong encoding
      'a',
      [0xed, 0xa0, 0x80], // a surrogate
      'b',
      [0xe2, 0x82], // a sequence cut short
      '\n',
      [0xf4, 0x90, 0x80, 0x80], // past U+10FFFF
      '😀',
      [0xf0, 0x9f, 0x98], // cut short by the end of the file
    );
    const lenient = new TextDecoder().decode(bytes);
    const offsets = [0, 1, 3, 4, 5, 7, 10, 11, 12, 13, 18];
    for (const chunks of splits(bytes)) {
      const decoded = decodeAll(chunks);
      expect(decoded.text, `${chunks[0]!.length}`).toBe(lenient);
      expect(decoded.invalid.map(({ reason }) => reason)).toEqual(
        offsets.map((n) => `invalid UTF-8 at byte offset ${n}`),
      );
      expect(decoded.invalid.map(({ at }) => decoded.text[at])).toEqual(offsets.map(() => '\uFFFD'));
    }
  });

  it('reads UTF-16LE with its BOM and split surrogate pairs, and reports lone surrogates and an odd last byte', () => {
    const valid = Buffer.from('\uFEFFid\n😀é\n', 'utf16le');
    for (const chunks of splits(valid)) {
      expect(decodeAll(chunks, 'utf-16le'), `${chunks[0]!.length}`).toEqual({ text: '\uFEFFid\n😀é\n', invalid: [] });
    }
    const invalid = bytesOf([0x3d, 0xd8, 0x41, 0x00, 0x00, 0xde, 0x0a, 0x00, 0x42]);
    for (const chunks of splits(invalid)) {
      expect(decodeAll(chunks, 'utf-16le'), `${chunks[0]!.length}`).toEqual({
        text: '\uFFFDA\uFFFD\n\uFFFD',
        invalid: [
          { at: 0, reason: 'invalid UTF-16LE at byte offset 0' },
          { at: 2, reason: 'invalid UTF-16LE at byte offset 4' },
          { at: 4, reason: 'invalid UTF-16LE at byte offset 8' },
        ],
      });
    }
  });

  it('reads every byte in latin1, iso-8859-1 and windows-1252, as windows-1252', () => {
    const bytes = bytesOf('Zo', [0xe9, 0x20, 0x80, 0x92, 0x81, 0x9f, 0xff]);
    for (const encoding of ['latin1', 'iso-8859-1', 'windows-1252'] as const) {
      expect(decodeAll([bytes], encoding)).toEqual({ text: 'Zoé €’\x81Ÿÿ', invalid: [] });
    }
  });
});
