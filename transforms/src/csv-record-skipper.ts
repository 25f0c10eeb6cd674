import type { CsvDialect } from './csv-dialect.ts';

export type CsvNewline = '\n' | '\r\n' | '\r';

export interface CsvRecordSkipper {
  /** Physical line breaks passed so far, the one that ends the record included. */
  readonly lineBreaks: number;
  /** The index just past the record's end in `text`, or -1 when the record goes on after it. */
  scan(text: string): number;
}

const LF = 0x0a;
const CR = 0x0d;

/**
 * Follows one CSV record through text it does not keep, to find where the record ends (at a line break
 * outside quotes), so an over-long record is dropped in bounded memory and the inside of its quoted
 * fields is never read as rows. A quote opens a quoted field only at the start of a field; inside one,
 * a doubled quote is a quote and any other quote closes it. The state carries across calls, so a `""`,
 * a CRLF or a delimiter may be split between chunks anywhere.
 */
export function createCsvRecordSkipper({ delimiter, quoteChar }: CsvDialect, newline: CsvNewline): CsvRecordSkipper {
  const quote = quoteChar.charCodeAt(0);
  /** The character that starts a new physical line: CRLF files count the LF. */
  const lineBreak = newline === '\r' ? CR : LF;
  let lineBreaks = 0;
  let inQuotes = false;
  /** Inside quotes the last character was a quote: the next one tells an escaped quote from a closing one. */
  let afterQuote = false;
  /** Outside quotes the last character was a CR, which an LF makes a CRLF. */
  let afterCr = false;
  /** The end of the text scanned so far, to see a delimiter just before a quote that starts a chunk. */
  let scannedTail = '';

  function opensField(text: string, index: number): boolean {
    if (index >= delimiter.length) return text.startsWith(delimiter, index - delimiter.length);
    const before = scannedTail + text.slice(0, index);
    return before === '' || before.endsWith(delimiter);
  }

  function endsRecord(char: number): boolean {
    return newline === '\r\n' ? char === LF && afterCr : char === lineBreak;
  }

  return {
    get lineBreaks() {
      return lineBreaks;
    },
    scan(text) {
      for (let index = 0; index < text.length; index++) {
        const char = text.charCodeAt(index);
        if (char === lineBreak) lineBreaks++;
        if (inQuotes) {
          if (!afterQuote) {
            afterQuote = char === quote;
            continue;
          }
          afterQuote = false;
          if (char === quote) continue;
          // The quote before this character closed the field; this one is outside quotes.
          inQuotes = false;
        }
        if (endsRecord(char)) return index + 1;
        inQuotes = char === quote && opensField(text, index);
        afterCr = char === CR;
      }
      scannedTail = (text.length >= delimiter.length ? text : scannedTail + text).slice(-delimiter.length);
      return -1;
    },
  };
}
