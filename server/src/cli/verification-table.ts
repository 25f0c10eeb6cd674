import type { DryRunPlan, VerificationReport } from '../engine/verification-report.ts';
import type { StreamVerification } from '../node-kit/verification.ts';

/** One line of the verification table `backflow run` prints per destination. */
export interface VerificationLine {
  table: string;
  source: number;
  created?: number;
  updated?: number;
  loaded: number;
  rejected: number;
  missing: number;
  checksum: string;
  relations?: string;
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
      ...(stream.created === undefined ? {} : { created: stream.created, updated: stream.updated ?? 0 }),
      loaded: stream.loaded,
      rejected: stream.rejected,
      missing: stream.missing,
      checksum: checksumCell(stream),
      ...(stream.relations?.length ? { relations: relationsCell(stream) } : {}),
    })),
  ]);
}

/** `AccountId 19,012/19,012` per relation: present of expected. */
function relationsCell(stream: StreamVerification): string {
  return (stream.relations ?? [])
    .map((relation) => `${relation.name} ${relation.present}/${relation.expected}`)
    .join(', ');
}

/** One line of the dry-run plan table per destination stream. */
export function planTables(plan: DryRunPlan): [string, Record<string, string | number>[]][] {
  return Object.entries(plan).map(([nodeId, streams]) => [
    nodeId,
    streams.map((stream) => ({
      object: `${stream.stream} → ${stream.target}`,
      create: stream.create,
      update: stream.update,
      // A diffed destination (a sync by key) also says what it would delete and leave unchanged.
      ...(stream.unchanged === undefined && stream.delete === undefined
        ? {}
        : { delete: stream.delete ?? 0, unchanged: stream.unchanged ?? 0 }),
      reject: stream.reject,
      relations: (stream.relations ?? []).map((relation) => `${relation.name} ${relation.count}`).join(', '),
    })),
  ]);
}
