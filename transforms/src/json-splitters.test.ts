import { describe, expect, it } from 'vitest';
import { createJsonArraySplitter, createNdjsonSplitter, type JsonSplit, type JsonSplitter } from './json-splitters.ts';

function splitAll(splitter: JsonSplitter, chunks: string[]): JsonSplit {
  const all: JsonSplit = { texts: [], errors: [] };
  for (const split of [...chunks.map((chunk) => splitter.write(chunk)), splitter.end()]) {
    all.texts.push(...split.texts);
    all.errors.push(...split.errors);
  }
  return all;
}

const limit = 1024;

describe('createNdjsonSplitter', () => {
  it('cuts lines, skips blank ones and keeps the last line without a newline', () => {
    const text = '{"a":1}\r\n\n   \n{"b":"x\\ny"}\n{"c":3}';
    expect(splitAll(createNdjsonSplitter(limit), [text])).toEqual({
      texts: [
        { text: '{"a":1}\r', line: 1 },
        { text: '{"b":"x\\ny"}', line: 4 },
        { text: '{"c":3}', line: 5 },
      ],
      errors: [],
    });
  });

  it('reports a line longer than the limit and goes on with the next one', () => {
    const text = `{"a":1}\n{"long":"${'x'.repeat(50)}"}\n{"b":2}\n`;
    const chunks = text.match(/[\s\S]{1,8}/g) ?? [];
    expect(splitAll(createNdjsonSplitter(20), chunks)).toEqual({
      texts: [
        { text: '{"a":1}', line: 1 },
        { text: '{"b":2}', line: 3 },
      ],
      errors: [{ line: 2, code: 'record_too_long', message: 'line 2: record is longer than 20 characters' }],
    });
  });
});

describe('createJsonArraySplitter', () => {
  const text = '[\n  {"a": "x, ]}\\" [{",\n   "b": [1, {"c": 2}]},\n  3,\n  "str\\\\",\n  null\n]\n';
  const expected: JsonSplit = {
    texts: [
      { text: '{"a": "x, ]}\\" [{",\n   "b": [1, {"c": 2}]}', line: 2 },
      { text: '3', line: 4 },
      { text: '"str\\\\"', line: 5 },
      { text: 'null\n', line: 6 },
    ],
    errors: [],
  };

  it('cuts the top-level elements, ignoring brackets and commas inside strings and nested values', () => {
    expect(splitAll(createJsonArraySplitter(limit), [text])).toEqual(expected);
  });

  it('gives the same elements wherever the text is split', () => {
    for (let at = 0; at <= text.length; at++) {
      expect(splitAll(createJsonArraySplitter(limit), [text.slice(0, at), text.slice(at)]), `split at ${at}`).toEqual(
        expected,
      );
    }
    expect(splitAll(createJsonArraySplitter(limit), text.split(''))).toEqual(expected);
  });

  it('accepts an empty array', () => {
    expect(splitAll(createJsonArraySplitter(limit), [' [ \n ] \n'])).toEqual({ texts: [], errors: [] });
  });

  it('reports input that is not an array', () => {
    expect(splitAll(createJsonArraySplitter(limit), ['\n{"a":1}\n']).errors).toEqual([
      { line: 2, code: 'not_an_array', message: "line 2: expected a JSON array starting with '['" },
    ]);
  });

  it('reports an array that is never closed, at the line of the unfinished element', () => {
    expect(splitAll(createJsonArraySplitter(limit), ['[{"a":1},\n{"b":'])).toEqual({
      texts: [{ text: '{"a":1}', line: 1 }],
      errors: [{ line: 2, code: 'unterminated_array', message: "line 2: the array is not closed with ']'" }],
    });
  });

  it('reports missing values and content after the array', () => {
    expect(splitAll(createJsonArraySplitter(limit), ['[1,,2,]\n\nx']).errors).toEqual([
      { line: 1, code: 'invalid_json', message: "line 1: expected a value before ','" },
      { line: 1, code: 'invalid_json', message: "line 1: expected a value before ']'" },
      { line: 3, code: 'trailing_content', message: 'line 3: unexpected content after the array' },
    ]);
  });

  it('skips an element longer than the limit without holding it, and keeps the next ones', () => {
    const long = `{"x":"${'y'.repeat(100)}"}`;
    const chunks = `[{"a":1},\n${long},\n{"b":2}]`.match(/[\s\S]{1,16}/g) ?? [];
    expect(splitAll(createJsonArraySplitter(40), chunks)).toEqual({
      texts: [
        { text: '{"a":1}', line: 1 },
        { text: '{"b":2}', line: 3 },
      ],
      errors: [{ line: 2, code: 'record_too_long', message: 'line 2: record is longer than 40 characters' }],
    });
  });
});
