import { describe, expect, it } from 'vitest';
import { parseChunks as parseAllChunks, parseBytesSplitAnywhere } from './chunked-parse.testing.ts';
import { createJsonParser, type JsonChunkResult, type JsonParseOptions } from './json-parse.ts';

function parseChunks(chunks: string[], options: JsonParseOptions = {}): JsonChunkResult {
  return parseAllChunks(createJsonParser(options), chunks) as JsonChunkResult;
}

describe('createJsonParser, NDJSON', () => {
  const ndjson = [
    '\uFEFF{"id":12345678901234567890,"name":"Zoë 😀","note":"line\\nbreak \\"q\\""}\r\n',
    '\n',
    '{"id":2,"nested":{"big":-9007199254740993,"ok":9007199254740991},"list":[1.5,null,true]}\n',
    '{"id":3,"oops":}\n',
    '[1,2]\n',
    '42\n',
    '{"id":4,"__proto__":{"polluted":true}}',
  ].join('');

  it('parses each line, keeps big integers exact and reports bad lines with their line number', () => {
    expect(parseChunks([ndjson])).toEqual({
      records: [
        { id: '12345678901234567890', name: 'Zoë 😀', note: 'line\nbreak "q"' },
        { id: 2, nested: { big: '-9007199254740993', ok: 9007199254740991 }, list: [1.5, null, true] },
        JSON.parse('{"id":4,"__proto__":{"polluted":true}}'),
      ],
      lines: [1, 3, 7],
      errors: [
        { line: 4, code: 'invalid_json', message: expect.stringMatching(/^line 4: invalid JSON \(.+\)$/) },
        { line: 5, code: 'not_an_object', message: 'line 5: expected a JSON object, found an array' },
        { line: 6, code: 'not_an_object', message: 'line 6: expected a JSON object, found a number' },
      ],
    });
  });

  it('never lets a __proto__ key change the prototype', () => {
    const last = parseChunks([ndjson]).records[2] as Record<string, unknown>;
    expect(Object.getPrototypeOf(last)).toBe(Object.prototype);
    expect(Object.hasOwn(last, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('gives the same result wherever the text is split', () => {
    const whole = parseChunks([ndjson]);
    for (let at = 0; at <= ndjson.length; at++) {
      expect(parseChunks([ndjson.slice(0, at), ndjson.slice(at)]), `split at ${at}`).toEqual(whole);
    }
    expect(parseChunks(ndjson.split(''))).toEqual(whole);
  });

  it('reads an NDJSON line that is an array as an error when the style is ndjson', () => {
    expect(parseChunks(['[{"a":1}]\n'], { style: 'ndjson' }).errors).toEqual([
      { line: 1, code: 'not_an_object', message: 'line 1: expected a JSON object, found an array' },
    ]);
  });
});

describe('createJsonParser, JSON array', () => {
  const array = [
    '\uFEFF  \n[\n',
    '  {"id": 1, "text": "a, ]}\\" [{", "big": 123456789012345678901234567890},\n',
    '  {"id": 2,\n   "multi": {"line": ["x", "y"]}},\n',
    '  "not an object",\n',
    '  {"id": 3, "bad": tru},\n',
    '  {"id": 4, "emoji": "\\ud83d\\ude00 😀"}\n',
    ']\n',
  ].join('');

  it('streams the elements with the line each starts on, and keeps big integers exact', () => {
    const result = parseChunks([array]);
    expect(result.records).toEqual([
      { id: 1, text: 'a, ]}" [{', big: '123456789012345678901234567890' },
      { id: 2, multi: { line: ['x', 'y'] } },
      { id: 4, emoji: '😀 😀' },
    ]);
    expect(result.lines).toEqual([3, 4, 8]);
    expect(result.errors.map(({ line, code }) => ({ line, code }))).toEqual([
      { line: 6, code: 'not_an_object' },
      { line: 7, code: 'invalid_json' },
    ]);
  });

  it('gives the same result wherever the text is split', () => {
    const whole = parseChunks([array]);
    for (let at = 0; at <= array.length; at++) {
      expect(parseChunks([array.slice(0, at), array.slice(at)]), `split at ${at}`).toEqual(whole);
    }
  });

  it('parses a large array in small chunks, element by element', () => {
    const count = 5000;
    const text = `[${Array.from({ length: count }, (_, id) => JSON.stringify({ id, text: `row ${id}\n"` })).join(',\n')}]`;
    const parser = createJsonParser({ style: 'array' });
    let records = 0;
    let lastLine = 0;
    for (let at = 0; at < text.length; at += 1000) {
      const result = parser.write(text.slice(at, at + 1000));
      // Elements come out while the array is still open, not all at the end.
      expect(result.records.length).toBeLessThan(100);
      records += result.records.length;
      lastLine = result.lines.at(-1) ?? lastLine;
    }
    const ended = parser.end();
    records += ended.records.length;
    lastLine = ended.lines.at(-1) ?? lastLine;
    expect(records).toBe(count);
    expect(lastLine).toBe(count);
  });

  it('reports structure errors', () => {
    expect(parseChunks(['{"a":1}'], { style: 'array' }).errors).toEqual([
      { line: 1, code: 'not_an_array', message: "line 1: expected a JSON array starting with '['" },
    ]);
    expect(parseChunks(['[{"a":1}, {"b":'])).toEqual({
      records: [{ a: 1 }],
      lines: [1],
      errors: [{ line: 1, code: 'unterminated_array', message: "line 1: the array is not closed with ']'" }],
    });
  });

  it('reads an empty array, and empty or blank input, as no records', () => {
    expect(parseChunks(['[]'])).toEqual({ records: [], lines: [], errors: [] });
    expect(parseChunks([''])).toEqual({ records: [], lines: [], errors: [] });
    expect(parseChunks(['\uFEFF', ' \n '])).toEqual({ records: [], lines: [], errors: [] });
  });
});

describe('createJsonParser, bytes that are not valid UTF-8', () => {
  it('rejects just the NDJSON line with an invalid byte, naming its offset, and parses the lines around it', () => {
    const bytes = Buffer.concat([
      Buffer.from('{"id":1}\n{"id":2,"name":"Zo'),
      Buffer.of(0xe9),
      Buffer.from('"}\n{"id":3}\n'),
    ]);
    expect(parseBytesSplitAnywhere(() => createJsonParser(), bytes)).toEqual({
      records: [{ id: 1 }, { id: 3 }],
      lines: [1, 3],
      errors: [{ line: 2, code: 'invalid_encoding', message: 'line 2: invalid UTF-8 at byte offset 27' }],
    });
  });

  it('rejects an array element spanning lines once, at the line it starts on', () => {
    const bytes = Buffer.concat([
      Buffer.from('[\n{"id":1,\n"name":"Zo'),
      Buffer.of(0xe9),
      Buffer.from('"},\n{"id":2}\n]'),
    ]);
    expect(parseBytesSplitAnywhere(() => createJsonParser(), bytes)).toEqual({
      records: [{ id: 2 }],
      lines: [4],
      errors: [{ line: 2, code: 'invalid_encoding', message: 'line 2: invalid UTF-8 at byte offset 21' }],
    });
  });
});
