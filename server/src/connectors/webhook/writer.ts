/**
 * The webhook writer: each payload is cut into requests of `batchSize` records, each POSTed with
 * an `Idempotency-Key` derived from (flow, node, run, batch sequence, part), so a resumed run that
 * replays a batch sends the same keys and a receiver that keeps keys takes it once.
 */
import { createHash } from 'node:crypto';
import PQueue from 'p-queue';
import { CancelledError, DestinationError } from '../../errors.ts';
import type { DestinationContext, DestinationWriter, Payload, Rec } from '../../node-kit/contract.ts';
import type { WebhookClient } from './client.ts';
import type { WebhookDestinationConfig } from './config.ts';

/** What a receiver gets in each request. */
export interface WebhookBody {
  flow: string;
  node: string;
  run: string;
  stream: string;
  /** `seq` is the run's batch sequence; `part` counts the requests of that batch; `key` is the Idempotency-Key. */
  batch: { seq: number; part: number; key: string };
  records: Rec[];
}

/**
 * The key of one request: a digest of flow, node and run (a key never repeats across runs or
 * nodes), then the batch sequence and part in plain sight for a reader of the receiver's log.
 */
export function idempotencyKey(
  ctx: Pick<DestinationContext, 'flowName' | 'nodeId' | 'runId'>,
  seq: number,
  part: number,
): string {
  const scope = createHash('sha256').update(`${ctx.flowName}\n${ctx.nodeId}\n${ctx.runId}`).digest('hex').slice(0, 24);
  return `bf-${scope}-${seq}-${part}`;
}

export function openWebhookWriter(
  config: WebhookDestinationConfig,
  ctx: DestinationContext,
  client: WebhookClient,
): DestinationWriter {
  const batchSize = config.batchSize ?? 100;
  // Parts count on across the payloads of one sequence number (a transform may emit several), so
  // keys stay unique; a replay emits the same payloads in the same order, so they come out equal.
  let currentSeq = -1;
  let nextPart = 0;

  async function write(payload: Payload, seq: number): Promise<void> {
    if (payload.kind !== 'records')
      throw new DestinationError(`node "${ctx.nodeId}": webhook.destination takes records, not files`, {
        nodeId: ctx.nodeId,
      });
    if (seq !== currentSeq) {
      currentSeq = seq;
      nextPart = 0;
    }
    const requests: { start: number; records: Rec[]; part: number }[] = [];
    for (let start = 0; start < payload.records.length; start += batchSize)
      requests.push({ start, records: payload.records.slice(start, start + batchSize), part: nextPart++ });
    const deliver = ({ records, part }: (typeof requests)[number]) => {
      const key = idempotencyKey(ctx, seq, part);
      const body: WebhookBody = {
        flow: ctx.flowName,
        node: ctx.nodeId,
        run: ctx.runId,
        stream: payload.stream,
        batch: { seq, part, key },
        records,
      };
      return client.deliver(body, key);
    };
    // Started `concurrency` at a time: a batch of 10 000 records is 100 requests, and each one
    // waiting in the HTTP client's own queue would hold a listener on the run's signal meanwhile.
    const pool = new PQueue({ concurrency: config.concurrency ?? 4 });
    const outcomes = await Promise.allSettled(requests.map((request) => pool.add(() => deliver(request))));
    const failed = outcomes.find((outcome) => outcome.status === 'rejected');
    if (failed) {
      const cause = failed.reason as unknown;
      if (cause instanceof CancelledError) throw cause;
      const message = client.redact(cause instanceof Error ? cause.message : String(cause));
      throw new DestinationError(`node "${ctx.nodeId}": delivering batch ${seq} failed: ${message}`, {
        nodeId: ctx.nodeId,
        cause,
      });
    }
    outcomes.forEach((outcome, index) => {
      if (outcome.status !== 'fulfilled' || outcome.value.refused === undefined) return;
      const { start, records } = requests[index]!;
      const reason = outcome.value.refused;
      ctx.reject(
        records,
        records.map(() => reason),
        payload.locations?.slice(start, start + records.length),
      );
    });
  }

  return {
    write,
    // Each request landed as it was answered: nothing is staged, so there is nothing to publish.
    prepare: async () => undefined,
    commit: async () => undefined,
  };
}
