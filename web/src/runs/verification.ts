import type { StreamVerification } from '../api/types.ts';

/** How a stream's verification reads in the run panel: its checksum cell and, when it differs, why. */
export interface VerificationVerdict {
  /** `ok`, `MISMATCH`, or `–` for a stream verified by counts only. */
  checksum: string;
  ok: boolean;
  /** For a stream that does not match: the table, what differs, and the first differing key. */
  problem?: string;
}

export function verdictOf(stream: StreamVerification): VerificationVerdict {
  const differs = stream.checksum !== undefined && stream.checksum.source !== stream.checksum.destination;
  const checksum = differs || (!stream.ok && stream.checksum) ? 'MISMATCH' : stream.checksum ? 'ok' : '–';
  if (stream.ok) return { checksum, ok: true };
  const what = [
    stream.missing > 0 ? `${stream.missing} row(s) missing` : '',
    stream.missing < 0 ? `${-stream.missing} row(s) duplicated` : '',
    differs ? 'checksum differs' : '',
    ...(stream.relations ?? [])
      .filter((relation) => relation.present !== relation.expected)
      .map((relation) => `${relation.name}: ${relation.present} of ${relation.expected} present`),
  ].filter(Boolean);
  const first = stream.firstDifference
    ? `; first differing key ${stream.firstDifference.key} (${stream.firstDifference.message})`
    : '';
  return { checksum, ok: false, problem: `${stream.target}: ${what.join(', ') || 'does not match'}${first}` };
}
