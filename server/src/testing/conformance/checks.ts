/**
 * The conformance checks, each an async function that resolves when the connector conforms and
 * throws a `ConformanceFailure` saying exactly what broke. `describeConformance` runs them as
 * tests; the suite's own tests run them against deliberately broken connectors.
 */
import { createHash } from 'node:crypto';
import { BackflowError, errorMessage } from '../../errors.ts';
import { createAjv } from '../../flow/ajv.ts';
import { isColumnType } from '../../node-kit/columns.ts';
import type {
  DestinationContext,
  DestinationType,
  DestinationWriter,
  NodeType,
  Payload,
  Rec,
  SourceBatch,
  SourceType,
} from '../../node-kit/contract.ts';
import { type TestContext, testContext } from '../node-context.ts';
import type { ConformanceHarness, DestinationHarness, SourceHarness } from './harness.ts';

export class ConformanceFailure extends Error {
  constructor(connector: string, check: string, problem: string) {
    super(`${connector}: ${check}: ${problem}`);
    this.name = 'ConformanceFailure';
  }
}

/** Records per batch in every source check: small, so a few dozen rows make several batches. */
export const conformanceBatchSize = 7;

/** A record as an item: its JSON with keys sorted, so field order does not matter. */
export function recordItem(record: Rec): string {
  return JSON.stringify(record, (_key, value) =>
    value && typeof value === 'object' && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)))
      : value,
  );
}

/** A file as an item: its name and the sha256 of its bytes. */
export function fileItem(name: string, sha256: string): string {
  return `${name} sha256:${sha256}`;
}

export async function itemsOf(payload: Payload): Promise<string[]> {
  if (payload.kind === 'records') return payload.records.map(recordItem);
  const hash = createHash('sha256');
  for await (const chunk of payload.open()) hash.update(chunk as Buffer);
  return [fileItem(payload.name, hash.digest('hex'))];
}

/** Where two lists of items differ: what is missing from `actual` and what it has too often. */
export function difference(expected: readonly string[], actual: readonly string[]) {
  const counts = new Map<string, number>();
  for (const item of expected) counts.set(item, (counts.get(item) ?? 0) + 1);
  const extra: string[] = [];
  for (const item of actual) {
    const left = counts.get(item) ?? 0;
    if (left === 0) extra.push(item);
    else counts.set(item, left - 1);
  }
  const missing = [...counts].flatMap(([item, left]) => Array<string>(left).fill(item));
  return { missing, extra };
}

function assertSame(fail: (problem: string) => never, expected: readonly string[], actual: readonly string[]) {
  const { missing, extra } = difference(expected, actual);
  if (missing.length === 0 && extra.length === 0) return;
  const sample = (items: string[]) => items.slice(0, 3).join(' | ');
  fail(
    [
      missing.length > 0 ? `${missing.length} item(s) missing (${sample(missing)})` : '',
      extra.length > 0 ? `${extra.length} item(s) duplicated or unexpected (${sample(extra)})` : '',
    ]
      .filter(Boolean)
      .join('; '),
  );
}

/** Every line a node logged and every error it threw, so no secret hides in either. */
export class Witness {
  readonly lines: string[] = [];

  context(dir: string, overrides: Partial<TestContext> = {}): TestContext {
    const line = (level: string) => (message: string, fields?: Record<string, unknown>) => {
      this.lines.push(`${level} ${message} ${fields ? JSON.stringify(fields) : ''}`);
    };
    return testContext(dir, {
      batchSize: conformanceBatchSize,
      log: { info: line('info'), warn: line('warn'), error: line('error') },
      ...overrides,
    });
  }

  saw(error: unknown): void {
    this.lines.push(`thrown ${errorMessage(error)} ${error instanceof Error ? (error.stack ?? '') : ''}`);
  }
}

function failer(connector: string, check: string) {
  return (problem: string): never => {
    throw new ConformanceFailure(connector, check, problem);
  };
}

const secretName = /password|passphrase|secret|token|credential|apikey|api_key|privatekey|private_key|encryptionkey/i;

/** The config schema compiles as JSON Schema 2020-12 and every field named like a secret is `writeOnly`. */
export function checkConfigSchema(connector: string, type: Pick<NodeType, 'type' | 'config'>): void {
  const fail = failer(connector, `${type.type} config schema`);
  try {
    createAjv().compile(type.config);
  } catch (error) {
    fail(`does not compile: ${errorMessage(error)}`);
  }
  for (const [field, schema] of Object.entries(type.config.properties ?? {})) {
    if (secretName.test(field) && (schema as { writeOnly?: boolean }).writeOnly !== true) {
      fail(`field "${field}" looks like a secret but is not writeOnly (it would be shown and stored in the flow)`);
    }
  }
}

/** `check` passes on a working config and fails on a refused one with an error a user can act on. */
export async function checkAccess<C>(
  connector: string,
  type: SourceType<C> | DestinationType<C>,
  dir: string,
  working: C,
  refused: C,
  witness = new Witness(),
): Promise<void> {
  const fail = failer(connector, `${type.type} check`);
  if (!type.check) fail('has no check: the editor and `backflow check` cannot test a connection');
  try {
    await type.check!(working, witness.context(dir));
  } catch (error) {
    witness.saw(error);
    fail(`refused a working config: ${errorMessage(error)}`);
  }
  let refusal: unknown;
  try {
    await type.check!(refused, witness.context(dir));
  } catch (error) {
    refusal = error;
    witness.saw(error);
  }
  if (refusal === undefined) fail('accepted a config the system refuses');
  if (!(refusal instanceof BackflowError)) fail(`threw an untyped error: ${errorMessage(refusal)}`);
  const message = (refusal as BackflowError).message;
  if (message.trim().length < 10 || message.length > 1000 || /\[object Object\]|\n\s+at /.test(message)) {
    fail(`the refusal does not read as a message for a user: ${JSON.stringify(message)}`);
  }
}

/** `discover`, where offered, lists streams whose columns have names and Backflow column types. */
export async function checkDiscover<C>(
  connector: string,
  type: SourceType<C>,
  dir: string,
  config: C,
  witness = new Witness(),
): Promise<void> {
  const fail = failer(connector, `${type.type} discover`);
  if (!type.discover) return;
  const streams = await type.discover(config, witness.context(dir));
  if (streams.length === 0) fail('found no stream in data it can read');
  // Every stream a read yields is discovered with its columns; others may be listed for a picker
  // without them (a CRM org's other objects, described once chosen).
  const read = new Set((await readAll(type, config, witness.context(dir))).map((batch) => batch.stream));
  for (const name of read) {
    if (!streams.some((stream) => stream.name === name)) fail(`stream "${name}" is read but not discovered`);
  }
  for (const stream of streams) {
    if (read.has(stream.name) && stream.columns.length === 0) fail(`stream "${stream.name}" has no columns`);
    for (const column of stream.columns) {
      if (!column.name) fail(`stream "${stream.name}" has a column without a name`);
      if (!isColumnType(column.type))
        fail(`column ${stream.name}.${column.name} has type "${column.type}", not a Backflow column type`);
    }
    for (const key of stream.key ?? []) {
      if (!stream.columns.some((column) => column.name === key))
        fail(`key "${key}" of "${stream.name}" is not a column`);
    }
  }
}

async function readAll<C>(type: SourceType<C>, config: C, ctx: TestContext): Promise<SourceBatch[]> {
  const batches: SourceBatch[] = [];
  for await (const batch of type.read(config, ctx)) batches.push(batch);
  return batches;
}

async function itemsOfBatches(batches: readonly SourceBatch[]): Promise<string[]> {
  return (await Promise.all(batches.map((batch) => itemsOf(batch)))).flat();
}

/** A full read yields exactly the expected items, each once. */
export async function checkFullRead<C>(connector: string, harness: SourceHarness<C>, dir: string): Promise<void> {
  const fail = failer(connector, `${harness.type.type} full read`);
  const { config, expected } = await harness.setUp(dir);
  const batches = await readAll(harness.type, config, new Witness().context(dir));
  if (batches.length < 2)
    fail(`the set-up must span several batches of ${conformanceBatchSize}; it read ${batches.length}`);
  assertSame(fail, expected, await itemsOfBatches(batches));
}

/** A deterministic pick in [0, n) for a check, so a failure can be replayed. */
export function pick(seed: string, n: number): number {
  return createHash('sha256').update(seed).digest().readUInt32BE(0) % n;
}

/**
 * The read is killed after a batch (picked from the seed), then resumed from that batch's cursor:
 * what the two reads yield together is exactly the full read, nothing lost, nothing twice.
 */
export async function checkKillAndResume<C>(
  connector: string,
  harness: SourceHarness<C>,
  dir: string,
  seed = connector,
): Promise<void> {
  const fail = failer(connector, `${harness.type.type} kill and resume`);
  const { config, expected } = await harness.setUp(dir);
  const full = await readAll(harness.type, config, new Witness().context(dir));
  const resumable = full.flatMap((batch, index) => (batch.cursor !== null && index < full.length - 1 ? [index] : []));
  if (resumable.length === 0) fail('no batch before the last has a cursor to resume from');
  const killedAfter = resumable[pick(seed, resumable.length)]!;

  const before: SourceBatch[] = [];
  const killed = new AbortController();
  const reading = harness.type.read(config, new Witness().context(dir, { signal: killed.signal }));
  for await (const batch of reading) {
    before.push(batch);
    if (before.length === killedAfter + 1) break;
  }
  killed.abort();
  const cursor = before.at(-1)!.cursor;
  const after = await readAll(harness.type, config, new Witness().context(dir, { resumeCursor: cursor }));
  const resumed = [...(await itemsOfBatches(before)), ...(await itemsOfBatches(after))];
  const { missing, extra } = difference(expected, resumed);
  if (missing.length > 0 || extra.length > 0) {
    fail(
      `killed after batch ${killedAfter + 1} of ${full.length} and resumed from ${JSON.stringify(cursor)}: ` +
        `${missing.length} item(s) lost, ${extra.length} item(s) read twice`,
    );
  }
}

async function writeBatches(writer: DestinationWriter, payloads: readonly Payload[], fromSeq: number) {
  const states: unknown[] = [];
  for (const [offset, payload] of payloads.entries()) {
    await writer.write(payload, fromSeq + offset);
    states.push(writer.state?.());
  }
  return states;
}

/**
 * A run crashes after writing batch k and resumes from the checkpoint of an earlier batch j, so
 * batches j+1…k are written again: once committed, the destination holds every item exactly once
 * (`staged`, `idempotent-batches`), or repeats only those replayed batches (`at-least-once`). A
 * `staged` destination shows nothing of the run before it commits.
 */
export async function checkReplay<C>(
  connector: string,
  harness: DestinationHarness<C>,
  dir: string,
  seed = connector,
): Promise<void> {
  const { type } = harness;
  const fail = failer(connector, `${type.type} replay after a crash`);
  const { config, payloads, readBack } = await harness.setUp(dir);
  if (payloads.length < 4) fail('the set-up must give at least four batches');
  const crashedAfter = 2 + pick(`${seed}:k`, payloads.length - 2); // k in [2, n - 1]
  const checkpointAt = 1 + pick(`${seed}:j`, crashedAfter - 1); // j in [1, k - 1]
  const shownBefore = await readBack();
  const first = await type.open(config, new Witness().context(dir));
  const states = await writeBatches(first, payloads.slice(0, crashedAfter), 1);
  await first.abort?.();

  const resumed = await type.open(
    config,
    new Witness().context(dir, {
      ...(states[checkpointAt - 1] === undefined ? {} : { resumeState: states[checkpointAt - 1] }),
      resumeSeq: checkpointAt,
    }),
  );
  await writeBatches(resumed, payloads.slice(checkpointAt), checkpointAt + 1);
  await resumed.prepare();
  if (type.publishes === 'staged') {
    const { missing, extra } = difference(shownBefore, await readBack());
    if (missing.length + extra.length > 0) fail(`declares staged but showed ${extra.length} item(s) before its commit`);
  }
  await resumed.commit();

  const expected = [...shownBefore, ...(await Promise.all(payloads.map(itemsOf))).flat()];
  const shown = await readBack();
  const context = `crashed after batch ${crashedAfter}, resumed from the checkpoint of batch ${checkpointAt}`;
  if (type.publishes !== 'at-least-once') {
    const { missing, extra } = difference(expected, shown);
    if (missing.length + extra.length > 0) {
      fail(
        `${context}: ${missing.length} item(s) lost, ${extra.length} item(s) written twice (declares ${type.publishes})`,
      );
    }
    return;
  }
  const replayed = (await Promise.all(payloads.slice(checkpointAt, crashedAfter).map(itemsOf))).flat();
  const { missing, extra } = difference(expected, shown);
  if (missing.length > 0) fail(`${context}: ${missing.length} item(s) lost`);
  if (difference(replayed, extra).extra.length > 0) fail(`${context}: repeated items that were never replayed`);
}

/** Records the destination cannot take are reported through `ctx.reject`, each with a reason; the rest are written. */
export async function checkRejects<C>(connector: string, harness: DestinationHarness<C>, dir: string): Promise<void> {
  const fail = failer(connector, `${harness.type.type} rejected records`);
  if (!harness.refusable) return;
  const { config, payload, refused } = await harness.refusable(dir);
  const ctx = new Witness().context(dir);
  const writer: DestinationWriter = await harness.type.open(config, ctx as DestinationContext);
  await writer.write(payload, 1);
  await writer.prepare();
  await writer.commit();
  if (ctx.rejected.length !== refused) fail(`expected ${refused} rejected record(s), got ${ctx.rejected.length}`);
  for (const { record, reason } of ctx.rejected) {
    if (typeof reason !== 'string' || reason.trim().length < 5)
      fail(`record ${recordItem(record)} was rejected without a reason`);
  }
}

/**
 * Reads, writes and refused checks, with every log line and error collected: none may hold a
 * secret of the configs.
 */
export async function checkNoSecretLeaks<SC, DC>(harness: ConformanceHarness<SC, DC>, dir: string): Promise<void> {
  const fail = failer(harness.name, 'secrets');
  const secrets = harness.secrets ?? [];
  const witness = new Witness();
  const attempt = async (work: () => Promise<unknown>) => {
    try {
      await work();
    } catch (error) {
      witness.saw(error);
    }
  };
  if (harness.source) {
    const { type } = harness.source;
    const { config } = await harness.source.setUp(dir);
    const refused = await harness.source.refused(dir);
    await attempt(() => readAll(type, config, witness.context(dir)));
    await attempt(() => readAll(type, refused, witness.context(dir)));
    await attempt(async () => type.check?.(refused, witness.context(dir)));
  }
  if (harness.destination) {
    const { type } = harness.destination;
    const { config, payloads } = await harness.destination.setUp(dir);
    const refused = await harness.destination.refused(dir);
    await attempt(async () => {
      const writer = await type.open(config, witness.context(dir));
      await writeBatches(writer, payloads, 1);
      await writer.prepare();
      await writer.commit();
    });
    await attempt(async () => type.check?.(refused, witness.context(dir)));
    await attempt(async () => {
      const writer = await type.open(refused, witness.context(dir));
      await writeBatches(writer, payloads.slice(0, 1), 1);
    });
  }
  for (const secret of secrets) {
    const leak = witness.lines.find((line) => line.includes(secret));
    if (leak) fail(`a log line or error shows a secret: ${leak.replaceAll(secret, '<the secret>').slice(0, 300)}`);
  }
}

/**
 * What a backup destination shows: nothing until its manifest is written, then each part it holds
 * (listed by the manifest, with the manifest's sha256; a part the manifest does not list shows as such).
 */
export function backupItems(manifestText: string | undefined, partNames: readonly string[]): string[] {
  if (manifestText === undefined) return [];
  const manifest = JSON.parse(manifestText) as { files: { name: string; sha256: string }[] };
  const listed = new Map(manifest.files.map((file) => [file.name, file.sha256]));
  return partNames.map((name) =>
    listed.has(name) ? fileItem(name, listed.get(name)!) : `${name} (not in the manifest)`,
  );
}
