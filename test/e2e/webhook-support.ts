/** What the webhook tests share: a sandbox closed after the test, a small warehouse to read, what the receiver kept. */
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { onTestFinished } from 'vitest';
import type { Rec } from '../../server/src/node-kit/contract.ts';
import { startWebhookSandbox, type WebhookSandbox, type WebhookSandboxOptions } from '../sandboxes/webhook/server.ts';

export const signingSecret = 'whsec-test-4f1c9a';

export async function hooksSandbox(options: WebhookSandboxOptions = {}): Promise<WebhookSandbox> {
  const hooks = await startWebhookSandbox(options);
  onTestFinished(() => hooks.close());
  return hooks;
}

/** People with the nasty cases: quotes, newlines, unicode, nulls, a number past 2^53 as text. */
export function people(count: number, from = 0): Rec[] {
  return Array.from({ length: count }, (_, n) => {
    const i = from + n;
    return {
      id: i + 1,
      name: [`Zoë ${i}`, `"Quoted", ${i}`, `two\nlines ${i}`, `名前 ${i} 🙂`][i % 4]!,
      amount: i % 5 === 0 ? null : String(2n ** 63n - BigInt(i)),
    };
  });
}

/** The records the receiver kept (one delivery per idempotency key), in arrival order. */
export function receivedRecords(hooks: WebhookSandbox): Rec[] {
  return hooks.received().flatMap((receipt) => (receipt.body as { records?: Rec[] }).records ?? []);
}

/** `demo.duckdb` under `dir` with `people(id, name, amount)`: `people(count)`'s rows. */
export async function peopleWarehouse(dir: string, count: number): Promise<string> {
  const file = path.join(dir, 'people.duckdb');
  const instance = await DuckDBInstance.create(file);
  const connection = await instance.connect();
  await connection.run('create table people (id integer primary key, name varchar, amount varchar)');
  const appender = await connection.createAppender('people');
  for (const person of people(count)) {
    appender.appendInteger(person.id as number);
    appender.appendVarchar(person.name as string);
    if (person.amount === null) appender.appendNull();
    else appender.appendVarchar(person.amount as string);
    appender.endRow();
  }
  appender.closeSync();
  connection.closeSync();
  instance.closeSync();
  return file;
}
