import { describe, expect, it } from 'vitest';
import { type CsvNewline, createCsvRecordSkipper } from './csv-record-skipper.ts';

/** Feeds `chunks` to a fresh skipper; returns where the record ended in the whole text, and its line breaks. */
function skip(chunks: string[], delimiter = ',', newline: CsvNewline = '\n') {
  const skipper = createCsvRecordSkipper({ delimiter, quoteChar: '"' }, newline);
  let scanned = 0;
  for (const chunk of chunks) {
    const end = skipper.scan(chunk);
    if (end !== -1) return { end: scanned + end, lineBreaks: skipper.lineBreaks };
    scanned += chunk.length;
  }
  return { end: -1, lineBreaks: skipper.lineBreaks };
}

/** Every way to cut `text` in two. */
function splits(text: string): string[][] {
  return Array.from({ length: text.length + 1 }, (_, at) => [text.slice(0, at), text.slice(at)]);
}

describe('createCsvRecordSkipper', () => {
  it('ends the record at the first line break outside quotes, counting the line breaks inside', () => {
    const record = '1,"a\n""b"",\nc"""\n';
    for (const chunks of splits(`${record}2,next\n`)) {
      expect(skip(chunks), JSON.stringify(chunks)).toEqual({ end: record.length, lineBreaks: 3 });
    }
  });

  it('takes a quote inside an unquoted field, or after a closed quoted one, as a character', () => {
    expect(skip(['5\'11",x"y\n"z\n'])).toEqual({ end: 10, lineBreaks: 1 });
    expect(skip(['"a"b"c\nd"\n'])).toEqual({ end: 7, lineBreaks: 1 });
  });

  it('opens a quoted field after a delimiter of several characters, split between chunks anywhere', () => {
    const record = 'a;;"x\n;;y";;b\n';
    for (const chunks of splits(`${record}next\n`)) {
      expect(skip(chunks, ';;'), JSON.stringify(chunks)).toEqual({ end: record.length, lineBreaks: 2 });
    }
  });

  it('ends a CRLF record only at CR LF, and a CR record at CR', () => {
    expect(skip(['a\nb\r', '\nc\r\n'], ',', '\r\n')).toEqual({ end: 5, lineBreaks: 2 });
    expect(skip(['"a\r', 'b"\rc\r'], ',', '\r')).toEqual({ end: 6, lineBreaks: 2 });
  });

  it('goes on to the end of the text when a quote never closes', () => {
    expect(skip(['1,"open\n2,x\n', '3,y\n'])).toEqual({ end: -1, lineBreaks: 3 });
  });
});
