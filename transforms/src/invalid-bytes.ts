import type { InvalidBytes } from './file-decoder.ts';

/** A record rejected for the invalid bytes in it, as both parsers report it. */
export interface InvalidEncodingError {
  /** The line the record starts on. */
  line: number;
  code: 'invalid_encoding';
  message: string;
}

/**
 * The invalid bytes a parser was told about, by their position in all the text it received, kept until
 * the record that holds them is parsed. Positions in the whole stream survive the parser slicing and
 * re-reading its unparsed text, which always ends the stream: text of length n there starts at
 * `received - n`.
 */
export interface InvalidBytesQueue {
  /** Characters received so far. */
  readonly received: number;
  /** Counts a chunk of text and notes its invalid bytes. */
  add(chunkLength: number, invalid: readonly InvalidBytes[]): void;
  /**
   * The error for a record starting on `line` at stream position `from` and ending before `to`, when
   * invalid bytes lie in it. Marks before `to` are then forgotten: those before `from` lay in text that
   * was skipped or already rejected.
   */
  takeBetween(from: number, to: number, line: number): InvalidEncodingError | undefined;
}

export function createInvalidBytesQueue(): InvalidBytesQueue {
  let received = 0;
  const marks: { position: number; reason: string }[] = [];
  return {
    get received() {
      return received;
    },
    add(chunkLength, invalid) {
      for (const { at, reason } of invalid) marks.push({ position: received + at, reason });
      received += chunkLength;
    },
    takeBetween(from, to, line) {
      let reason: string | undefined;
      let done = 0;
      for (; done < marks.length && marks[done]!.position < to; done++) {
        if (reason === undefined && marks[done]!.position >= from) reason = marks[done]!.reason;
      }
      if (done > 0) marks.splice(0, done);
      return reason === undefined ? undefined : { line, code: 'invalid_encoding', message: `line ${line}: ${reason}` };
    },
  };
}
