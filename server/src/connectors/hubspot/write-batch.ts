/**
 * One batch of inputs to a batch endpoint (`POST /crm/v3/objects/{object}/batch/{create|update|upsert}`),
 * with what HubSpot refuses sorted out record by record:
 * - a 207 Multi-Status answer lands the good inputs and lists `errors` for the others, each tied
 *   to its inputs by `objectWriteTraceId` (or the ids it names): those are refused with its message;
 * - a 400 or 409 refuses the whole batch (one bad email or one duplicate is enough, and the message
 *   names only the first): the batch is split in halves and each sent again, until every refused
 *   input stands alone with HubSpot's message for it (node-kit/isolate-failures.ts).
 * The records written are tied to their inputs the same way (each result carries its input's trace id;
 * without one, an update's result by its id, an upsert's by its key, a create's by its place), with
 * whether HubSpot created them: a create did, an update did not, an upsert says so in `new`.
 * 429, 5xx and network failures were retried by the HTTP client; when they outlast the retries the
 * error is thrown, and the run fails with the batch unacknowledged.
 */
import { DestinationError } from '../../errors.ts';
import { type HttpApi, HttpApiError } from '../../node-kit/http/index.ts';
import { loadIsolatingFailures } from '../../node-kit/isolate-failures.ts';
import type { BatchEndpoint, BatchInput } from './batch-inputs.ts';
import { hubspotMessage } from './connection.ts';
import type { BatchAnswer, HubspotError } from './objects.ts';

export interface RefusedInput {
  /** Index of the input in the list given. */
  index: number;
  reason: string;
}

export interface SavedInput {
  /** Index of the input in the list given. */
  index: number;
  /** HubSpot's record id. */
  id: string;
  created: boolean;
}

/** Status codes with which HubSpot refuses a whole batch for what some of its records hold. */
const refusedForData = new Set([400, 409, 422]);

export async function writeBatch(
  api: HttpApi,
  object: string,
  endpoint: BatchEndpoint,
  inputs: readonly BatchInput[],
): Promise<{ refused: RefusedInput[]; saved: SavedInput[] }> {
  const indexOf = new Map(inputs.map((input, index) => [input, index]));
  const refused: RefusedInput[] = [];
  const saved: SavedInput[] = [];
  const send = async (slice: readonly BatchInput[]) => {
    const answer = await api.request<BatchAnswer>({
      method: 'POST',
      path: `/crm/v3/objects/${encodeURIComponent(object)}/batch/${endpoint}`,
      body: { inputs: slice },
    });
    const refusedHere = refusedInputs(answer, slice, object, endpoint);
    for (const { input, reason } of refusedHere) refused.push({ index: indexOf.get(input)!, reason });
    const unrefused = slice.filter((input) => !refusedHere.some((refusal) => refusal.input === input));
    for (const { input, result } of savedInputs(answer, unrefused, endpoint)) {
      saved.push({
        index: indexOf.get(input)!,
        id: String(result.id),
        created: endpoint === 'create' || (endpoint === 'upsert' && result.new === true),
      });
    }
  };
  const failures = await loadIsolatingFailures(inputs, send, isRefusedForData);
  for (const { row, error } of failures) {
    refused.push({ index: row, reason: reasonOf(error as HttpApiError) });
  }
  return { refused: refused.sort((a, b) => a.index - b.index), saved: saved.sort((a, b) => a.index - b.index) };
}

type BatchResult = NonNullable<BatchAnswer['results']>[number];

/** The results of an answer, each with the input it is for (`unrefused`: the inputs not refused in it). */
export function savedInputs(
  answer: BatchAnswer | undefined,
  unrefused: readonly BatchInput[],
  endpoint: BatchEndpoint,
): { input: BatchInput; result: BatchResult }[] {
  const results = answer?.results ?? [];
  const byTrace = new Map(unrefused.map((input) => [input.objectWriteTraceId, input]));
  const byKey = new Map(unrefused.map((input) => [input.id?.toLowerCase(), input]));
  return results.flatMap((result, place) => {
    const keyOf = () => {
      if (endpoint === 'create') return unrefused[place];
      const key =
        endpoint === 'update' && !unrefused[0]?.idProperty
          ? result.id
          : result.properties[unrefused[0]?.idProperty ?? ''];
      return byKey.get(key?.toLowerCase());
    };
    const input =
      (result.objectWriteTraceId === undefined ? undefined : byTrace.get(result.objectWriteTraceId)) ?? keyOf();
    return input ? [{ input, result }] : [];
  });
}

function isRefusedForData(error: unknown): boolean {
  return error instanceof HttpApiError && error.code === 'http_status' && refusedForData.has(error.status ?? 0);
}

function reasonOf(error: HttpApiError): string {
  return hubspotMessage(error) ?? error.message;
}

/** The inputs a 207 answer's errors name, each with HubSpot's message. */
export function refusedInputs(
  answer: BatchAnswer | undefined,
  inputs: readonly BatchInput[],
  object: string,
  endpoint: BatchEndpoint,
): { input: BatchInput; reason: string }[] {
  const errors = answer?.errors ?? [];
  if (errors.length === 0) return [];
  const byTrace = new Map(inputs.map((input) => [input.objectWriteTraceId, input]));
  const byId = new Map(
    inputs.filter((input) => input.id !== undefined).map((input) => [input.id!.toLowerCase(), input]),
  );
  const refused = new Map<BatchInput, string>();
  const untied: HubspotError[] = [];
  for (const error of errors) {
    const named = [
      ...valuesOf(error.context?.objectWriteTraceId).map((trace) => byTrace.get(trace)),
      ...valuesOf(error.context?.ids ?? error.context?.id).map((id) => byId.get(id.toLowerCase())),
    ].filter((input): input is BatchInput => input !== undefined);
    if (named.length === 0) untied.push(error);
    for (const input of named) refused.set(input, errorText(error));
  }
  if (untied.length > 0) {
    // Errors naming no input: the inputs the answer does not list as written are theirs.
    const written = new Set((answer?.results ?? []).map((result) => result.objectWriteTraceId));
    const unwritten = inputs.filter((input) => !refused.has(input) && !written.has(input.objectWriteTraceId));
    if (written.size === 0 || unwritten.length === 0) {
      throw new DestinationError(
        `HubSpot answered ${object} batch/${endpoint} with ${untied.length} error(s) that name no record ` +
          `(${untied.map(errorText).join('; ').slice(0, 300)}), so the refused records cannot be told apart`,
      );
    }
    const reason = untied.map(errorText).join('; ');
    for (const input of unwritten) refused.set(input, reason);
  }
  return [...refused].map(([input, reason]) => ({ input, reason }));
}

function valuesOf(value: string[] | string | undefined): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value.map(String) : [String(value)];
}

function errorText(error: HubspotError): string {
  const details = (error.errors ?? [])
    .map((detail) => detail.message)
    .filter((message): message is string => typeof message === 'string' && !error.message?.includes(message));
  return [
    error.category ? `${error.category}: ` : '',
    error.message ?? 'refused',
    details.length ? ` (${details.join('; ')})` : '',
  ].join('');
}
