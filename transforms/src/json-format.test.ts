import { describe, expect, it } from 'vitest';
import { createJsonFormatter } from './json-format.ts';
import { createJsonParser } from './json-parse.ts';

const records = [
  { id: 12345678901234567890n, name: 'Zoë 😀', note: 'line\nbreak "q"', missing: null },
  { id: 2, nested: { list: [1.5, true, -9007199254740993n] }, skipped: undefined },
];

describe('createJsonFormatter', () => {
  it('writes NDJSON, one object per line, with bigints as exact numbers', () => {
    const json = createJsonFormatter({ style: 'ndjson' });
    const text = json.start() + json.rows(records) + json.rows([]) + json.end();
    expect(text).toBe(
      '{"id":12345678901234567890,"name":"Zoë 😀","note":"line\\nbreak \\"q\\"","missing":null}\n' +
        '{"id":2,"nested":{"list":[1.5,true,-9007199254740993]}}\n',
    );
  });

  it('writes an array across several batches, one element per line', () => {
    const json = createJsonFormatter({ style: 'array' });
    const text =
      json.start() + json.rows(records.slice(0, 1)) + json.rows([]) + json.rows(records.slice(1)) + json.end();
    expect(text).toBe(
      '[\n' +
        '{"id":12345678901234567890,"name":"Zoë 😀","note":"line\\nbreak \\"q\\"","missing":null},\n' +
        '{"id":2,"nested":{"list":[1.5,true,-9007199254740993]}}\n' +
        ']\n',
    );
  });

  it('writes a valid empty array when there are no records, and starts afresh for each file', () => {
    const json = createJsonFormatter({ style: 'array' });
    expect(json.start() + json.end()).toBe('[]\n');
    json.start();
    json.rows([{ a: 1 }]);
    expect(json.start() + json.rows([{ b: 2 }]) + json.end()).toBe('[\n{"b":2}\n]\n');
  });

  it.each(['ndjson', 'array'] as const)('round-trips through createJsonParser (%s)', (style) => {
    const json = createJsonFormatter({ style });
    const text = json.start() + json.rows(records) + json.end();
    const parser = createJsonParser({ style: 'auto' });
    const parsed = [...parser.write(text).records, ...parser.end().records];
    expect(parsed).toEqual([
      { id: '12345678901234567890', name: 'Zoë 😀', note: 'line\nbreak "q"', missing: null },
      { id: 2, nested: { list: [1.5, true, '-9007199254740993'] } },
    ]);
  });
});

describe('createJsonFormatter, batches whose values hold an object boundary', () => {
  it.each([
    ['a string', [{ a: 'x},{y' }, { a: 'z' }]],
    ['a list of objects', [{ list: [{ b: 1 }, { b: 2 }] }, { list: [] }]],
    ['an empty record', [{}, { a: 1 }, {}]],
  ])('writes each record whole when %s holds "},{"', (_case, batch) => {
    const json = createJsonFormatter({ style: 'ndjson' });
    const text = json.rows(batch);
    expect(
      text
        .split('\n')
        .slice(0, -1)
        .map((line) => JSON.parse(line)),
    ).toEqual(batch);
    expect(Buffer.from(json.rowsBytes(batch)).toString()).toBe(text);
  });

  it.each(['ndjson', 'array'] as const)('cuts batches of several slices, each on its own terms (%s)', (style) => {
    // 128 records are stringified at a time: slices of plain, non-ASCII, boundary-holding and bigint records.
    const batch = Array.from({ length: 600 }, (_, i): Record<string, unknown> => {
      if (i === 200) return { i, note: 'x},{y' };
      if (i === 300) return { i, big: 2n ** 70n };
      return i >= 400 && i < 500 ? { i, name: `Zoë ${i}` } : { i };
    });
    const json = createJsonFormatter({ style });
    const text = json.start() + json.rows(batch) + json.end();
    const bytes = Buffer.from(json.rowsBytes(batch)).toString();
    if (style === 'ndjson') expect(bytes).toBe(text);
    const lines = text
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => line.replace(/,$/, ''));
    expect(lines).toHaveLength(600);
    expect(lines[200]).toBe('{"i":200,"note":"x},{y"}');
    expect(lines[300]).toBe('{"i":300,"big":1180591620717411303424}');
    expect(lines[450]).toBe('{"i":450,"name":"Zoë 450"}');
    expect(lines.map((line) => JSON.parse(line).i)).toEqual(batch.map((record) => record.i));
  });

  it.each(['ndjson', 'array'] as const)('gives the same text as bytes (%s)', (style) => {
    const json = createJsonFormatter({ style });
    const text = json.rows(records);
    json.start();
    expect(Buffer.from(json.rowsBytes(records)).toString()).toBe(text);
    expect(json.rowsBytes([])).toHaveLength(0);
  });
});
