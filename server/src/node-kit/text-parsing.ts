import type { InvalidBytes, TextEncoding } from '@backflow/transforms';
import type { Rec } from './contract.ts';

/** What a text parser (CSV, JSON) returns for each chunk of text. */
export interface ParsedChunk {
  records: Rec[];
  lines: number[];
  /** `raw`: the rejected text as it stands in the file (capped), when the parser keeps it. */
  errors: { line: number; code: string; message: string; raw?: string }[];
}

export interface TextParser {
  write(chunk: string, invalid: readonly InvalidBytes[]): ParsedChunk;
  end(): ParsedChunk;
  /** The names of the fields every record has, when the format fixes them (a CSV header); every value is text. */
  columns?(): readonly string[] | undefined;
  /** After a file's first piece: what the parsers of its later pieces must know (see PieceParsing), as JSON. */
  carryOver?(): unknown;
}

/**
 * How a parse node's files are cut into pieces at record boundaries and each piece parsed apart
 * (engine/parallel/): the first piece by a parser of its own, every later one by a parser told the
 * line it starts on and what the first piece's parser carried over (a CSV's columns and line ending).
 */
export interface PieceParsing {
  encoding: TextEncoding | undefined;
  createCutter(): PieceCutter;
  createParser(start?: PieceStart): TextParser;
}

export interface PieceStart {
  line: number;
  carried: unknown;
}

/**
 * Finds record boundaries in a file's text: its bytes read as latin1 (one character a byte), so
 * offsets are byte offsets; parsers that cut this way need their structure characters to be ASCII.
 */
export interface PieceCutter {
  /** The first record boundary at or after `target` in `text` (which starts at one); -1 when the text does not tell yet. */
  cut(text: string, target: number): number;
  /** Physical lines that end in `text[from, to)`, counted as the parser counts them; asked only after a cut. */
  lineBreaks(text: string, from: number, to: number): number;
}
