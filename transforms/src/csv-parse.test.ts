import { describe, expect, it } from 'vitest';
import { parseChunks as parseAllChunks, parseBytesSplitAnywhere } from './chunked-parse.testing.ts';
import {
  type CsvChunkResult,
  type CsvParseOptions,
  type CsvRowError,
  createCsvParser,
  MAX_RAW_CHARS,
} from './csv-parse.ts';

function parseChunks(chunks: string[], options: CsvParseOptions = {}): CsvChunkResult {
  return parseAllChunks(createCsvParser(options), chunks) as CsvChunkResult;
}

function parse(text: string, options: CsvParseOptions = {}): CsvChunkResult {
  return parseChunks([text], options);
}

function chunksOf(text: string, size: number): string[] {
  const chunks: string[] = [];
  for (let at = 0; at < text.length; at += size) chunks.push(text.slice(at, at + size));
  return chunks;
}

// CRLF file with a BOM, quoted delimiters, doubled quotes, embedded CRLF and LF line breaks, empty and
// quoted-empty fields, an empty line, astral characters, malformed rows and no final line break.
const nastyCsv = [
  '\uFEFFid,name,note,amount\r\n',
  '1,"Smith, ""Jr""","line1\r\nline2",12345678901234567890\r\n',
  '2,,"",-0\r\n',
  '\r\n',
  '3,Zoë 😀,"multi\nline\nhere",\r\n',
  '4,"x",y,z\r\n',
  '5,too,few\r\n',
  '6,"a",b,c,d\r\n',
  '7,"bad"x,y,z\r\n',
  '8,"ok",row,1\r\n',
  '9,last,row,1',
].join('');

const nastyExpected: CsvChunkResult = {
  records: [
    { id: '1', name: 'Smith, "Jr"', note: 'line1\r\nline2', amount: '12345678901234567890' },
    { id: '2', name: null, note: '', amount: '-0' },
    { id: '3', name: 'Zoë 😀', note: 'multi\nline\nhere', amount: null },
    { id: '4', name: 'x', note: 'y', amount: 'z' },
    { id: '8', name: 'ok', note: 'row', amount: '1' },
    { id: '9', name: 'last', note: 'row', amount: '1' },
  ],
  lines: [2, 4, 6, 9, 13, 14],
  errors: [
    { line: 10, code: 'too_few_fields', message: 'line 10: expected 4 fields, found 3', raw: '5,too,few' },
    { line: 11, code: 'too_many_fields', message: 'line 11: expected 4 fields, found 5', raw: '6,"a",b,c,d' },
    {
      line: 12,
      code: 'unbalanced_quotes',
      message: 'line 12: a closing quote must be followed by a delimiter or the end of the line',
      raw: '7,"bad"x,y,z',
    },
  ],
};

describe('createCsvParser', () => {
  it('parses quotes, embedded line breaks, CRLF, BOM and unicode, giving each record its physical line', () => {
    expect(parse(nastyCsv)).toEqual(nastyExpected);
  });

  it('gives the same result wherever the text is split', () => {
    for (let at = 0; at <= nastyCsv.length; at++) {
      expect(parseChunks([nastyCsv.slice(0, at), nastyCsv.slice(at)]), `split at ${at}`).toEqual(nastyExpected);
    }
    // One UTF-16 unit at a time also splits the astral character and every CRLF.
    expect(parseChunks(nastyCsv.split(''))).toEqual(nastyExpected);
    expect(parseChunks(chunksOf(nastyCsv, 7))).toEqual(nastyExpected);
  });

  it('counts physical lines across many chunks in a long file with multi-line fields', () => {
    const rows = ['id,text\n'];
    const expectedLines: number[] = [];
    let line = 2;
    for (let id = 0; id < 2000; id++) {
      const breaks = id % 3;
      rows.push(`${id},"${'x\n'.repeat(breaks)}end"\n`);
      expectedLines.push(line);
      line += breaks + 1;
    }
    const result = parseChunks(chunksOf(rows.join(''), 61));
    expect(result.errors).toEqual([]);
    expect(result.lines).toEqual(expectedLines);
    expect(result.records[1999]).toEqual({ id: '1999', text: 'x\nend' });
  });

  it('strips only a leading BOM', () => {
    const result = parse('\uFEFFa,b\n\uFEFFx,y\n');
    expect(result.records).toEqual([{ a: '\uFEFFx', b: 'y' }]);
  });

  it('keeps a quoted empty field as an empty string and turns an unquoted one into null', () => {
    const text = 'a,b,c\n,"",x\n"", ,\n';
    expect(parse(text).records).toEqual([
      { a: null, b: '', c: 'x' },
      { a: '', b: ' ', c: null },
    ]);
    expect(parse(text, { emptyAsNull: false }).records).toEqual([
      { a: '', b: '', c: 'x' },
      { a: '', b: ' ', c: '' },
    ]);
  });

  it('tells quoted from unquoted empty fields when other fields hold doubled quotes and delimiters', () => {
    const result = parse('a,b,c,d\n"x ""y"", z",,"",""""\n');
    expect(result.records).toEqual([{ a: 'x "y", z', b: null, c: '', d: '"' }]);
  });

  it('reports a quote that never closes at the line it opened on, and keeps the rows after it', () => {
    const result = parse('a,b,c\n1,"multi\nline","open\n2,3,4\n5,6,7\n');
    // The rejected text runs from the record's start to the end of the line the quote opened on.
    expect(result.errors).toEqual([
      {
        line: 3,
        code: 'unbalanced_quotes',
        message: 'line 3: quoted field is never closed',
        raw: '1,"multi\nline","open',
      },
    ]);
    expect(result.records).toEqual([
      { a: '2', b: '3', c: '4' },
      { a: '5', b: '6', c: '7' },
    ]);
    expect(result.lines).toEqual([4, 5]);
  });

  it('reports an unterminated quote on the last line', () => {
    const result = parseChunks(['a,b\n1,2\n3,"oo', 'ps'], {});
    expect(result.records).toEqual([{ a: '1', b: '2' }]);
    expect(result.errors).toEqual([
      { line: 3, code: 'unbalanced_quotes', message: 'line 3: quoted field is never closed', raw: '3,"oops' },
    ]);
  });

  it('names duplicate and empty header columns uniquely and reports them', () => {
    const result = parse('id,name,,name,name_1\n1,a,b,c,d\n');
    expect(result.records).toEqual([{ id: '1', name: 'a', column2: 'b', name_2: 'c', name_1: 'd' }]);
    expect(result.errors).toEqual([
      {
        line: 1,
        code: 'empty_header',
        message: 'line 1: column 3 has no name; it is called "column2"',
        raw: 'id,name,,name,name_1',
      },
      {
        line: 1,
        code: 'duplicate_header',
        message: 'line 1: column "name" appears more than once; column 4 is called "name_2"',
        raw: 'id,name,,name,name_1',
      },
    ]);
  });

  it('without a header, uses the given column names or column0, column1, …', () => {
    expect(parse('1,2\n3,4,5\n', { header: false }).records).toEqual([{ column0: '1', column1: '2' }]);
    expect(parse('1,2\n3,4,5\n', { header: false }).errors).toEqual([
      { line: 2, code: 'too_many_fields', message: 'line 2: expected 2 fields, found 3', raw: '3,4,5' },
    ]);
    expect(parse('1,2\n', { header: false, columns: ['x', 'y'] }).records).toEqual([{ x: '1', y: '2' }]);
  });

  it('stores a column called __proto__ as a plain field without touching the prototype', () => {
    const [record] = parse('__proto__,constructor\n"{}",x\n').records;
    expect(Object.getPrototypeOf(record)).toBe(Object.prototype);
    expect(Object.keys(record ?? {})).toEqual(['__proto__', 'constructor']);
    expect(Object.getOwnPropertyDescriptor(record, '__proto__')?.value).toBe('{}');
    expect(record?.constructor).toBe('x');
  });

  it('treats empty lines as rows when skipEmptyLines is false', () => {
    expect(parse('a\n1\n\n2\n', { skipEmptyLines: false })).toEqual({
      records: [{ a: '1' }, { a: null }, { a: '2' }],
      lines: [2, 3, 4],
      errors: [],
    });
    expect(parse('a,b\n\n1,2\n', { skipEmptyLines: false }).errors).toEqual([
      { line: 2, code: 'too_few_fields', message: 'line 2: expected 2 fields, found 1', raw: '' },
    ]);
  });

  it('honours other delimiters, quote characters and CR-only line endings', () => {
    const result = parseChunks(["id\tnote\r1\t'it''s\ta\rtab'\r2\tplain\r"], { delimiter: '\t', quoteChar: "'" });
    expect(result.records).toEqual([
      { id: '1', note: "it's\ta\rtab" },
      { id: '2', note: 'plain' },
    ]);
    expect(result.lines).toEqual([2, 4]);
  });

  it('reads a one-line file ending in CR as CR-only (the file ends, so no LF can follow)', () => {
    const parser = createCsvParser({ header: false });
    const result = [parser.write('a,b\r'), parser.end()];
    expect(result.flatMap((chunk) => chunk.records)).toEqual([{ column0: 'a', column1: 'b' }]);
  });

  it('reports a malformed closing quote as soon as its line is read, without waiting for the end of the file', () => {
    const parser = createCsvParser();
    const first = parser.write('a,b\n1,"x"y,2\n3,4\n');
    expect(first.errors).toEqual([
      {
        line: 2,
        code: 'unbalanced_quotes',
        message: 'line 2: a closing quote must be followed by a delimiter or the end of the line',
        raw: '1,"x"y,2',
      },
    ]);
    expect(first.records).toEqual([{ a: '3', b: '4' }]);
    expect(first.lines).toEqual([3]);
  });

  it('accepts spaces between a closing quote and the delimiter or line break, and a delimiter of several characters', () => {
    expect(parse('a::b\n"x"  ::"y" \n1::2\n', { delimiter: '::' }).records).toEqual([
      { a: 'x', b: 'y' },
      { a: '1', b: '2' },
    ]);
  });

  it('keeps huge numbers and every other value as exact text', () => {
    const result = parse('n,f\n-123456789012345678901234567890,1.000000000000000000001\n');
    expect(result.records).toEqual([{ n: '-123456789012345678901234567890', f: '1.000000000000000000001' }]);
  });

  it('rejects an over-long quoted field as one record and goes on after its closing quote', () => {
    // The field holds lines that look like rows; none of them may come out as a record.
    const text = `id,name\n1,"${'fake1,injected\n'.repeat(100)}"\n2,ok\n`;
    const expected: CsvChunkResult = {
      records: [{ id: '2', name: 'ok' }],
      lines: [103],
      errors: [
        {
          line: 2,
          code: 'record_too_long',
          message: 'line 2: record is longer than 1024 characters (is a quote left open?)',
          // Its first 1,024 characters: what every chunking holds of it.
          raw: `${`1,"${'fake1,injected\n'.repeat(100)}`.slice(0, 1024)}…`,
        },
      ],
    };
    for (const size of [text.length, 1000, 64, 7, 1]) {
      expect(parseChunks(chunksOf(text, size), { maxRecordChars: 1024 }), `chunks of ${size}`).toEqual(expected);
    }
  });

  it('rejects an over-long record whose quote never closes as one record running to the end of the file', () => {
    const text = `a,b\n1,"${'x\n2,y\n'.repeat(20)}3,z\n`;
    for (const size of [text.length, 10, 1]) {
      expect(parseChunks(chunksOf(text, size), { maxRecordChars: 50 }), `chunks of ${size}`).toEqual({
        records: [],
        lines: [],
        errors: [
          {
            line: 2,
            code: 'record_too_long',
            message: 'line 2: record is longer than 50 characters (is a quote left open?)',
            raw: `${`1,"${'x\n2,y\n'.repeat(20)}`.slice(0, 50)}…`,
          },
        ],
      });
    }
  });

  it('skips over-long records to the same end wherever the text is split, with LF, CRLF or CR line breaks', () => {
    const rows = [
      'id,note',
      '1,"short ""q"""',
      '2,"over ""x"",<br>fake,row<br>""""<br>long enough to pass the limit"""',
      '3,"a<br>b"',
      `4,unquoted ${'z'.repeat(40)} "not a quote"`,
      '5,"x"""',
      '6,"a ""b"" c"<br>',
    ];
    const tooLong = (line: number, raw: string): CsvRowError => ({
      line,
      code: 'record_too_long',
      message: `line ${line}: record is longer than 40 characters (is a quote left open?)`,
      raw: `${raw.slice(0, 40)}…`,
    });
    for (const newline of ['\n', '\r\n', '\r']) {
      const text = rows.join('<br>').replaceAll('<br>', newline);
      const expected: CsvChunkResult = {
        records: [
          { id: '1', note: 'short "q"' },
          { id: '3', note: `a${newline}b` },
          { id: '5', note: 'x"' },
          { id: '6', note: 'a "b" c' },
        ],
        lines: [2, 7, 10, 11],
        errors: [tooLong(3, rows[2]!.replaceAll('<br>', newline)), tooLong(9, `${rows[4]}${newline}${rows[5]}`)],
      };
      const parse = (chunks: string[]) => parseChunks(chunks, { maxRecordChars: 40 });
      for (let at = 0; at <= text.length; at++) {
        expect(parse([text.slice(0, at), text.slice(at)]), `${JSON.stringify(newline)} split at ${at}`).toEqual(
          expected,
        );
      }
      expect(parse(text.split('')), `${JSON.stringify(newline)} one character at a time`).toEqual(expected);
    }
  });

  it('keeps the text of a rejected record as it stands in the file, cut after MAX_RAW_CHARS characters', () => {
    const wide = `4,${'w'.repeat(10_000)},extra`;
    const result = parse(`a,b\r\n4,d@example.com,40,too,many,fields\r\n${wide}\r\n5,ok\r\n`);
    expect(result.records).toEqual([{ a: '5', b: 'ok' }]);
    expect(result.errors.map((error) => error.raw)).toEqual([
      '4,d@example.com,40,too,many,fields',
      `${wide.slice(0, MAX_RAW_CHARS)}…`,
    ]);
  });

  it('returns nothing for empty input or a header alone', () => {
    expect(parseChunks([])).toEqual({ records: [], lines: [], errors: [] });
    expect(parseChunks(['', 'a,b\r\n', ''])).toEqual({ records: [], lines: [], errors: [] });
  });

  it('refuses column names with a header line, and duplicate column names', () => {
    expect(() => createCsvParser({ columns: ['a'] })).toThrow(
      expect.objectContaining({ code: 'config_invalid', path: 'columns' }),
    );
    expect(() => createCsvParser({ header: false, columns: ['a', 'a'] })).toThrow('columns: "a" is used twice');
  });
});

describe('createCsvParser, bytes that are not valid UTF-8', () => {
  function parseBytes(bytes: Buffer): CsvChunkResult {
    return parseBytesSplitAnywhere(() => createCsvParser(), bytes) as CsvChunkResult;
  }

  it('rejects just the line with an invalid byte, naming its offset, and parses the lines around it', () => {
    const bytes = Buffer.concat([Buffer.from('id,name\n1,Ann\n2,Zo'), Buffer.of(0xe9), Buffer.from('\n3,Bob\n')]);
    expect(parseBytes(bytes)).toEqual({
      records: [
        { id: '1', name: 'Ann' },
        { id: '3', name: 'Bob' },
      ],
      lines: [2, 4],
      errors: [
        { line: 3, code: 'invalid_encoding', message: 'line 3: invalid UTF-8 at byte offset 18', raw: '2,Zo\uFFFD' },
      ],
    });
  });

  it('rejects a multi-line quoted record once at its first line, and keeps the header names despite a bad byte', () => {
    const bytes = Buffer.concat([
      Buffer.from('id,na'),
      Buffer.of(0xff),
      Buffer.from('me\r\n1,"first\r\nsecond '),
      Buffer.of(0xe9),
      Buffer.from(' line '),
      Buffer.of(0xe9),
      Buffer.from('\r\nthird"\r\n5,"ok ""q"""\r\n6,'),
      Buffer.of(0xe9),
      Buffer.from('\r\n7,last'),
    ]);
    expect(parseBytes(bytes)).toEqual({
      records: [
        { id: '5', 'na\uFFFDme': 'ok "q"' },
        { id: '7', 'na\uFFFDme': 'last' },
      ],
      lines: [5, 7],
      errors: [
        { line: 1, code: 'invalid_encoding', message: 'line 1: invalid UTF-8 at byte offset 5', raw: 'id,na\uFFFDme' },
        {
          line: 2,
          code: 'invalid_encoding',
          message: 'line 2: invalid UTF-8 at byte offset 27',
          raw: '1,"first\r\nsecond \uFFFD line \uFFFD\r\nthird"',
        },
        { line: 6, code: 'invalid_encoding', message: 'line 6: invalid UTF-8 at byte offset 61', raw: '6,\uFFFD' },
      ],
    });
  });
});
