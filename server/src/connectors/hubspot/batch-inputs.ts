/**
 * Records as the inputs of HubSpot's batch endpoints: every field but `id` is a property, its value
 * as text (HubSpot takes property values as strings: numbers and booleans as their text, objects as
 * JSON, null as "" which clears the property). Each input carries an `objectWriteTraceId`, so the
 * errors of a 207 answer name the input they belong to.
 */
import type { Rec } from '../../node-kit/contract.ts';
import { type HubspotDestinationConfig, matchesById } from './destination-config.ts';

export type BatchEndpoint = 'create' | 'update' | 'upsert';

export const endpointOf: Record<HubspotDestinationConfig['mode'], BatchEndpoint> = {
  insert: 'create',
  update: 'update',
  upsert: 'upsert',
  mirror: 'upsert',
};

export interface BatchInput {
  id?: string;
  idProperty?: string;
  properties: Record<string, string>;
  objectWriteTraceId: string;
}

/** A record's input, or why it cannot have one (no value for the key it is matched by). */
export function batchInput(
  record: Rec,
  traceId: string,
  config: Pick<HubspotDestinationConfig, 'mode' | 'idProperty'>,
): BatchInput | { problem: string } {
  const properties: Record<string, string> = {};
  for (const [name, value] of Object.entries(record)) {
    if (name !== 'id' && value !== undefined) properties[name] = propertyText(value);
  }
  if (config.mode === 'insert') return { properties, objectWriteTraceId: traceId };
  const byId = matchesById(config);
  const key = byId ? 'id' : config.idProperty!;
  const value = record[key];
  if (value === undefined || value === null || value === '') {
    return { problem: `${key}: no value to match the record by (${config.mode} by ${key})` };
  }
  return {
    id: propertyText(value),
    ...(byId ? {} : { idProperty: key }),
    properties,
    objectWriteTraceId: traceId,
  };
}

export function propertyText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  if (value instanceof Date) return value.toISOString();
  return JSON.stringify(value);
}
