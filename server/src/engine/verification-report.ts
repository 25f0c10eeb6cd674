import { VerificationError } from '../errors.ts';
import type { DestinationWriter, PlannedStream } from '../node-kit/contract.ts';
import type { StreamVerification } from '../node-kit/verification.ts';

/** What each destination of a run verified before publishing, by destination node id. */
export type VerificationReport = Record<string, StreamVerification[]>;

/**
 * The destination's report after `prepare` (resolved or thrown); undefined when it verified
 * nothing. A report that cannot be read is no report: `prepare` already said what went wrong.
 */
export function readVerification(writer: DestinationWriter): StreamVerification[] | undefined {
  try {
    const streams = writer.verification?.();
    return streams && streams.length > 0 ? streams : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The error a report that did not match should have made `prepare` throw: a destination that
 * reports a mismatch without throwing still fails the run before anything is published. Names
 * the first stream that differs and, when known, its first differing key.
 */
export function mismatchOf(nodeId: string, streams: readonly StreamVerification[]): VerificationError | undefined {
  const failed = streams.filter((stream) => !stream.ok);
  if (failed.length === 0) return undefined;
  return new VerificationError(
    `verification failed for ${failed.map(describeMismatch).join('; ')}; nothing was published`,
    {
      nodeId,
      stream: failed[0]!.stream,
      details: failed.map((stream) => ({ path: stream.stream, message: describeMismatch(stream) })),
    },
  );
}

/** `public.orders: 2 row(s) missing; checksum differs (first differing key id=7: value changed)`. */
export function describeMismatch(stream: StreamVerification): string {
  const problems: string[] = [];
  if (stream.missing > 0) problems.push(`${stream.missing} row(s) missing`);
  if (stream.missing < 0) problems.push(`${-stream.missing} row(s) duplicated`);
  if (stream.checksum && stream.checksum.source !== stream.checksum.destination) problems.push('checksum differs');
  for (const relation of stream.relations ?? []) {
    if (relation.present !== relation.expected) {
      problems.push(`${relation.name}: ${relation.present} of ${relation.expected} present`);
    }
  }
  if (problems.length === 0) problems.push('does not match');
  const first = stream.firstDifference
    ? ` (first differing key ${stream.firstDifference.key}: ${stream.firstDifference.message})`
    : '';
  return `${stream.target}: ${problems.join(', ')}${first}`;
}

/** What a dry run's planning destinations would have done, by destination node id. */
export type DryRunPlan = Record<string, PlannedStream[]>;
