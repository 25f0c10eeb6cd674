import { describe, expect, it } from 'vitest';
import { type CsvChunkResult, type CsvParseOptions, createCsvParser } from './csv-parse.ts';
import { CsvPieceCutter } from './csv-piece-cutter.ts';

/** Records, lines and errors of `text` parsed whole, the way one parser streams a file. */
function parseWhole(text: string, options: CsvParseOptions = {}): CsvChunkResult {
  const parser = createCsvParser(options);
  return merged([parser.write(text), parser.end()]);
}

/** The same text cut where the cutter says (at about every `size` characters), each piece parsed by its own parser. */
function parseInPieces(text: string, size: number, options: CsvParseOptions = {}): CsvChunkResult & { pieces: number } {
  const cutter = new CsvPieceCutter(options);
  const results: CsvChunkResult[] = [];
  let carried: ReturnType<ReturnType<typeof createCsvParser>['carryOver']>;
  let from = 0;
  let line = 1;
  let pieces = 0;
  while (from < text.length) {
    const rest = text.slice(from);
    const found = rest.length <= size ? -1 : cutter.cut(rest, size);
    const cut = found === -1 ? rest.length : found;
    const piece = rest.slice(0, cut);
    const parser = pieces === 0 ? createCsvParser(options) : createCsvParser(options, { line, carried: carried! });
    results.push(parser.write(piece), parser.end());
    if (pieces === 0) carried = parser.carryOver();
    if (cutter.newline) line += cutter.lineBreaks(piece, 0, piece.length);
    from += cut;
    pieces++;
  }
  return { ...merged(results), pieces };
}

function merged(results: CsvChunkResult[]): CsvChunkResult {
  return {
    records: results.flatMap((r) => r.records),
    lines: results.flatMap((r) => r.lines),
    errors: results.flatMap((r) => r.errors),
  };
}

/** A small deterministic generator (mulberry32), so a failing case can be replayed by its seed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const fieldShapes = [
  () => 'plain',
  () => '',
  () => '"quoted, with comma"',
  () => '"two\nlines"',
  () => '"a ""quote"" inside"',
  () => 'inch"mark',
  () => '"closed" then text',
  () => '"never closed',
  () => 'Zoë',
  () => '"crlf\r\ninside"',
];

function randomCsv(seed: number, newline: string): string {
  const next = random(seed);
  const rows = ['id,name,note'];
  for (let i = 0; i < 60; i++) {
    const pick = () => fieldShapes[Math.floor(next() * fieldShapes.length)]!();
    const fields = next() < 0.05 ? [String(i), pick()] : [String(i), pick(), pick()];
    rows.push(next() < 0.05 ? '' : fields.join(','));
  }
  return rows.join(newline) + (next() < 0.5 ? newline : '');
}

describe('CsvPieceCutter', () => {
  it('cuts plain rows at the first line break at or after the target', () => {
    const cutter = new CsvPieceCutter({});
    expect(cutter.cut('a,b\n1,2\n3,4\n', 5)).toBe(8);
    expect(cutter.cut('a,b\n1,2\n3,4\n', 8)).toBe(8);
    expect(cutter.cut('a,b\n1,2\n3,4', 9)).toBe(-1);
    expect(cutter.newline).toBe('\n');
  });

  it('never cuts inside a quoted field, however many lines it spans', () => {
    const text = 'a,b\n1,"x\ny\nz"\n2,3\n';
    expect(new CsvPieceCutter({}).cut(text, 6)).toBe(text.indexOf('2,3'));
    expect(new CsvPieceCutter({}).cut('a,b\n1,"x\ny', 6)).toBe(-1);
  });

  it.each([
    ['LF', '\n'],
    ['CRLF', '\r\n'],
    ['CR', '\r'],
  ])('gives pieces that parse to what the whole text parses to (%s, random files)', (_name, newline) => {
    for (let seed = 1; seed <= 150; seed++) {
      const text = randomCsv(seed, newline);
      const whole = parseWhole(text);
      for (const size of [7, 40, 200]) {
        const pieces = parseInPieces(text, size);
        expect({ seed, size, ...pieces, pieces: undefined }).toEqual({ seed, size, ...whole, pieces: undefined });
      }
    }
  });

  it('parses files of many pieces (the test above is not vacuous)', () => {
    expect(parseInPieces(randomCsv(7, '\n'), 40).pieces).toBeGreaterThan(10);
  });

  it('keeps a header-less file’s generated column names and a custom dialect across pieces', () => {
    const text = Array.from({ length: 50 }, (_, i) => `${i};'a;b';x`).join('\n');
    const options = { header: false, delimiter: ';', quoteChar: "'" };
    const pieces = parseInPieces(text, 30, options);
    expect(pieces.pieces).toBeGreaterThan(5);
    expect(pieces.records[49]).toEqual({ column0: '49', column1: 'a;b', column2: 'x' });
    expect(pieces).toMatchObject(parseWhole(text, options));
  });
});
