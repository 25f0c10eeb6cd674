import { expect } from 'vitest';

interface ChunkResult<R> {
  records: R[];
  lines: number[];
  errors: { line: number; code: string; message: string }[];
}

/** Feeds `chunks` to one streaming parser and concatenates what every write and the end returned. */
export function parseChunks<R, T extends ChunkResult<R>>(
  parser: { write(chunk: string): T; end(): T },
  chunks: string[],
): ChunkResult<R> {
  const all: ChunkResult<R> = { records: [], lines: [], errors: [] };
  for (const result of [...chunks.map((chunk) => parser.write(chunk)), parser.end()]) {
    expect(result.lines).toHaveLength(result.records.length);
    all.records.push(...result.records);
    all.lines.push(...result.lines);
    all.errors.push(...result.errors);
  }
  return all;
}
