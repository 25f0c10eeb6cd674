/**
 * What a connector gives the conformance suite (like Airbyte's acceptance-test config): how to set
 * up data it can read or a place it can write, what exactly must come out, and a config the system
 * refuses. The suite does the rest; see checks.ts for what it proves.
 */
import type { DestinationType, Payload, RecordBatch, SourceType } from '../../node-kit/contract.ts';

export interface SourceSetUp<C> {
  /** Reads data spread over several batches at the context's `batchSize` (the suite uses 7). */
  config: C;
  /** What a full read must yield, as items (see `recordItem`, `fileItem`): exactly these, each once. */
  expected: string[];
}

export interface SourceHarness<C> {
  type: SourceType<C>;
  /** Creates the data under `dir` (a fresh temporary directory, the context's base). */
  setUp(dir: string): Promise<SourceSetUp<C>>;
  /** A config the system refuses (wrong credentials, a database or bucket that is not there). */
  refused(dir: string): Promise<C>;
}

export interface DestinationSetUp<C> {
  config: C;
  /** What a run writes, in order: batch `i` goes with seq `i + 1`. At least four. */
  payloads: Payload[];
  /** What the destination shows now, as items; must equal the payloads' items after a commit. */
  readBack(): Promise<string[]>;
}

export interface DestinationHarness<C> {
  type: DestinationType<C>;
  setUp(dir: string): Promise<DestinationSetUp<C>>;
  refused(dir: string): Promise<C>;
  /**
   * A batch holding records the destination must refuse (a value its column cannot take), and how
   * many; undefined for destinations that take files, whose bytes they never judge.
   */
  refusable?(dir: string): Promise<{ config: C; payload: RecordBatch; refused: number }>;
}

export interface ConformanceHarness<SC = never, DC = never> {
  /** The connector's name, e.g. `duckdb`. */
  name: string;
  source?: SourceHarness<SC>;
  destination?: DestinationHarness<DC>;
  /**
   * Secret values the configs above hold (a password, an encryption key): none may appear in a log
   * line or an error message.
   */
  secrets?: string[];
}
