import { Dml } from './dml.ts';
import type { RecordError } from './errors.ts';
import { Schema } from './schema.ts';
import { RecordReader } from './soql/engine.ts';
import type { SalesforceStore } from './store.ts';

/** Everything the routes share: the schema, the records, and the one way to change them. */
export interface Org {
  schema: Schema;
  store: SalesforceStore;
  dml: Dml;
  reader: RecordReader;
  /** The current time; record timestamps are whole seconds, as Salesforce stores them. */
  now(): Date;
}

export function createOrg(
  store: SalesforceStore,
  checkBody?: (body: Record<string, unknown>) => RecordError | undefined,
  schema = new Schema(),
): Org {
  const now = () => new Date(Math.floor(Date.now() / 1000) * 1000);
  return {
    schema,
    store,
    dml: new Dml(schema, store, () => now().toISOString(), checkBody),
    reader: new RecordReader(schema, store),
    now,
  };
}
