/**
 * The record form of binary values (BLOB): DuckDB's escaped text, printable ASCII as is and every
 * other byte (and `\`, `'`, `"`) as `\xHH` (see connectors/duckdb/README.md). Every connector reads
 * and writes bytes in this one form, so a BLOB crosses any pair of systems unchanged.
 */

export function blobToText(bytes: Uint8Array): string {
  let text = '';
  for (const byte of bytes) {
    const escaped = byte < 0x20 || byte >= 0x7f || byte === 0x22 || byte === 0x27 || byte === 0x5c;
    text += escaped ? `\\x${byte.toString(16).toUpperCase().padStart(2, '0')}` : String.fromCharCode(byte);
  }
  return text;
}

/** The bytes of a BLOB's escaped text (`\xHH` is one byte; any other character is its UTF-8 bytes). */
export function textToBlob(text: string): Buffer {
  const parts: Buffer[] = [];
  let plain = '';
  for (let index = 0; index < text.length; index++) {
    if (text[index] === '\\' && text[index + 1] === 'x' && /^[0-9a-fA-F]{2}$/.test(text.slice(index + 2, index + 4))) {
      if (plain !== '') parts.push(Buffer.from(plain, 'utf8'));
      plain = '';
      parts.push(Buffer.from([Number.parseInt(text.slice(index + 2, index + 4), 16)]));
      index += 3;
    } else {
      plain += text[index];
    }
  }
  if (plain !== '') parts.push(Buffer.from(plain, 'utf8'));
  return Buffer.concat(parts);
}
