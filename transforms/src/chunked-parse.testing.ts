import { expect } from 'vitest';
import { createFileDecoder, type InvalidBytes } from './file-decoder.ts';

interface ChunkResult<R> {
  records: R[];
  lines: number[];
  errors: { line: number; code: string; message: string }[];
}

interface StreamingParser<T> {
  write(chunk: string, invalid?: readonly InvalidBytes[]): T;
  end(): T;
}

/** Feeds `chunks` to one streaming parser and concatenates what every write and the end returned. */
export function parseChunks<R, T extends ChunkResult<R>>(parser: StreamingParser<T>, chunks: string[]): ChunkResult<R> {
  return concatenate([...chunks.map((chunk) => parser.write(chunk)), parser.end()]);
}

/**
 * Decodes `bytes` as one UTF-8 file and parses the text with the invalid bytes found in it, whole and cut
 * in two at every place; checks that all give the same result and returns it.
 */
export function parseBytesSplitAnywhere<R, T extends ChunkResult<R>>(
  createParser: () => StreamingParser<T>,
  bytes: Uint8Array,
): ChunkResult<R> {
  const whole = parseByteChunks<R, T>(createParser(), [bytes]);
  for (let at = 0; at <= bytes.length; at++) {
    const split = parseByteChunks(createParser(), [bytes.subarray(0, at), bytes.subarray(at)]);
    expect(split, `split at ${at}`).toEqual(whole);
  }
  return whole;
}

function parseByteChunks<R, T extends ChunkResult<R>>(
  parser: StreamingParser<T>,
  chunks: Uint8Array[],
): ChunkResult<R> {
  const decoder = createFileDecoder();
  const decoded = [...chunks.map((chunk) => decoder.write(chunk)), decoder.end()];
  return concatenate([...decoded.map(({ text, invalid }) => parser.write(text, invalid)), parser.end()]);
}

function concatenate<R>(results: ChunkResult<R>[]): ChunkResult<R> {
  const all: ChunkResult<R> = { records: [], lines: [], errors: [] };
  for (const result of results) {
    expect(result.lines).toHaveLength(result.records.length);
    all.records.push(...result.records);
    all.lines.push(...result.lines);
    all.errors.push(...result.errors);
  }
  return all;
}
