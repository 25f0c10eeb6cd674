/**
 * Verification of a database destination's staging tables (verification.ts): what each stream
 * received against what its staging table holds, read back and hashed from the database's own
 * values. Both database destinations build their report and their refusal here.
 */
import { VerificationError } from '../../errors.ts';
import { RowChecksum, type SavedChecksum, type StreamVerification } from '../verification.ts';

/** What a stream received, as the resume state keeps it. */
export interface SavedTally {
  received: SavedChecksum;
  rejected: number;
}

/** The running count of one stream: rows received and staged (checksum), rows refused. */
export class StreamTally {
  /** Received rows less the rejected: the checksum the staging table must match. */
  readonly received: RowChecksum;
  rejected: number;

  constructor(saved?: SavedTally) {
    this.received = new RowChecksum(saved?.received);
    this.rejected = saved?.rejected ?? 0;
  }

  save(): SavedTally {
    return { received: this.received.save(), rejected: this.rejected };
  }
}

/** What reading a staging table back found. */
export interface Readback {
  /** Rows held and their checksum, each hashed from the database's values. */
  held: RowChecksum;
  /** The first row whose recomputed hash differs from the hash it was staged with. */
  firstChanged?: { key: string; message: string };
}

/** The stream's verification: received (less rejected) against held, and where they differ first. */
export function streamVerification(stream: string, target: string, tally: StreamTally, readback: Readback) {
  const received = tally.received;
  const held = readback.held;
  const source = received.rows + tally.rejected;
  const report: StreamVerification = {
    stream,
    target,
    source,
    loaded: held.rows,
    rejected: tally.rejected,
    missing: source - held.rows - tally.rejected,
    checksum: { source: received.hex, destination: held.hex },
    ok: received.rows === held.rows && received.hex === held.hex && readback.firstChanged === undefined,
  };
  if (readback.firstChanged !== undefined) report.firstDifference = readback.firstChanged;
  else if (!report.ok) {
    const message =
      received.rows === held.rows
        ? `the rows held do not sum to the checksum of the rows received (${received.hex} ≠ ${held.hex})`
        : `${received.rows} rows received (less rejected), ${held.rows} rows held`;
    report.firstDifference = { key: '(unknown)', message };
  }
  return report;
}

/** Throws a VerificationError naming the first stream that differs, its table and first differing key. */
export function assertVerified(reports: readonly StreamVerification[], nodeId: string): void {
  const failed = reports.find((report) => !report.ok);
  if (failed === undefined) return;
  const difference = failed.firstDifference;
  const where = difference === undefined ? '' : ` at key ${difference.key}: ${difference.message}`;
  throw new VerificationError(
    `node "${nodeId}": ${failed.target} does not hold what stream "${failed.stream}" sent${where}; nothing was published`,
    {
      nodeId,
      stream: failed.stream,
      details: reports
        .filter((report) => !report.ok)
        .map((report) => ({
          path: report.target,
          message: `received ${report.source}, loaded ${report.loaded}, rejected ${report.rejected}, missing ${report.missing}${
            report.firstDifference
              ? `; first difference at ${report.firstDifference.key}: ${report.firstDifference.message}`
              : ''
          }`,
        })),
    },
  );
}
