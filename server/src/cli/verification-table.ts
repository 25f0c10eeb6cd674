import type { VerificationReport } from '../engine/verification-report.ts';
import type { StreamVerification } from '../node-kit/verification.ts';

/** One line of the verification table `backflow run` prints per destination. */
export interface VerificationLine {
  table: string;
  source: number;
  loaded: number;
  rejected: number;
  missing: number;
  checksum: string;
}

/** The checksum cell: `ok`, `MISMATCH (first differing key id=7)`, or `-` for a stream without one. */
export function checksumCell(stream: StreamVerification): string {
  const differs = stream.checksum !== undefined && stream.checksum.source !== stream.checksum.destination;
  if (!differs && stream.ok) return stream.checksum ? 'ok' : '-';
  const key = stream.firstDifference ? ` (first differing key ${stream.firstDifference.key})` : '';
  return `MISMATCH${key}`;
}

/** Each destination's report as table lines, by destination node id. */
export function verificationTables(report: VerificationReport): [string, VerificationLine[]][] {
  return Object.entries(report).map(([nodeId, streams]) => [
    nodeId,
    streams.map((stream) => ({
      table: stream.target,
      source: stream.source,
      loaded: stream.loaded,
      rejected: stream.rejected,
      missing: stream.missing,
      checksum: checksumCell(stream),
    })),
  ]);
}
