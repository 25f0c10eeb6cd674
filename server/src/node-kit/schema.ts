/**
 * Building blocks for node config schemas beyond TypeBox's own, each giving the plain JSON Schema
 * the editor draws (an `enum` select, an object of field → value) and the matching static type.
 */
import { type SchemaOptions, type Static, type TSchema, Type } from '@sinclair/typebox';
import { type WriteMode, writeModes } from './contract.ts';

/** A string that is one of `values`: a JSON Schema `enum`, drawn as a select. */
export function oneOf<const V extends readonly string[]>(values: V, options: SchemaOptions = {}) {
  return Type.Unsafe<V[number]>({ type: 'string', enum: [...values], ...options });
}

/** An object of field → value (`additionalProperties`), such as a rename's field → new name. */
export function recordOf<V extends TSchema>(value: V, options: SchemaOptions = {}) {
  return Type.Unsafe<Record<string, Static<V>>>({ type: 'object', additionalProperties: value, ...options });
}

/** Any JSON object (a JSON Schema, defaults), edited as JSON text. */
export function jsonObject(options: SchemaOptions = {}) {
  return Type.Unsafe<Record<string, unknown>>({ type: 'object', ...options });
}

/** A record destination's `mode`: the subset of the one vocabulary of write modes it supports. */
export function modeProperty<const M extends readonly WriteMode[]>(modes: M, options: SchemaOptions = {}) {
  for (const mode of modes) if (!writeModes.includes(mode)) throw new Error(`unknown write mode ${mode}`);
  return oneOf(modes, { title: 'Mode', ...options });
}

/** Column, or columns, that identify a row. */
export function keyProperty(options: SchemaOptions = {}) {
  return Type.Union(
    [Type.String({ minLength: 1 }), Type.Array(Type.String({ minLength: 1 }), { minItems: 1, uniqueItems: true })],
    { title: 'Key', ...options },
  );
}

/** The modes that write by key, so a sync diffs them (DestinationType.syncKey). */
export const keyedModes: readonly string[] = ['update', 'upsert', 'mirror'];

/** The fields a destination writing by `key` (update, upsert, mirror) is diffed on (DestinationType.syncKey); none in other modes. */
export function keyedModeKey(config: {
  mode?: string;
  key?: string | readonly string[];
}): readonly string[] | undefined {
  if (!keyedModes.includes(config.mode ?? '') || config.key === undefined) return undefined;
  return typeof config.key === 'string' ? [config.key] : config.key;
}

export const mirrorScopes = ['flow', 'all'] as const;
export type MirrorScope = (typeof mirrorScopes)[number];

/** A mirror's `mirrorScope`: which records it may delete. */
export function mirrorScopeProperty(records: string) {
  return Type.Optional(
    oneOf(mirrorScopes, {
      title: 'Mirror deletes',
      default: 'flow',
      description: `mode mirror: flow deletes only ${records} this flow synced before and the source no longer has; all deletes every one of the destination's ${records} whose key the source does not have, including ones that were there before the flow (the editor asks you to confirm).`,
    }),
  );
}

/** Which records a destination's config deletes as a mirror; undefined: it is no mirror. */
export function mirrorScopeOf(config: { mode?: unknown; mirrorScope?: unknown }): MirrorScope | undefined {
  if (config.mode !== 'mirror') return undefined;
  return config.mirrorScope === 'all' ? 'all' : 'flow';
}

/** An API connector's `baseUrl`: the service's own by default, or a sandbox's (`api` names it, e.g. "HubSpot's API"). */
export function baseUrlProperty(defaultUrl: string, api: string, title = 'API base URL') {
  return Type.Optional(
    Type.String({
      minLength: 1,
      pattern: '^https?://',
      default: defaultUrl,
      title,
      description: `${api}, or a sandbox's URL.`,
    }),
  );
}
