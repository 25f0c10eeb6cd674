import type { Checksums } from './checksums.ts';
import { GcsError, invalid, preconditionFailed } from './errors.ts';
import type { ObjectRecord } from './store.ts';

let lastGeneration = 0;

/** Generations are microsecond timestamps like GCS's, strictly increasing within the process. */
export function nextGeneration(): number {
  lastGeneration = Math.max(lastGeneration + 1, Date.now() * 1000);
  return lastGeneration;
}

const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** GCS's naming rules: 1–1024 bytes of valid UTF-8, no CR or LF, not `.` or `..`. */
export function checkObjectName(name: string | null | undefined): string {
  if (name === null || name === undefined || name === '') throw new GcsError(400, 'required', 'Required');
  if (
    loneSurrogate.test(name) ||
    Buffer.byteLength(name) > 1024 ||
    /[\r\n]/.test(name) ||
    name === '.' ||
    name === '..'
  ) {
    throw invalid(`The specified object name is not valid: ${JSON.stringify(name)}`);
  }
  return name;
}

/** Fields a client may set on an object, from an object resource in a request body. */
export type WritableFields = Pick<
  ObjectRecord,
  | 'contentType'
  | 'contentEncoding'
  | 'contentDisposition'
  | 'contentLanguage'
  | 'cacheControl'
  | 'metadata'
  | 'storageClass'
>;

const contentFields = [
  'contentType',
  'contentEncoding',
  'contentDisposition',
  'contentLanguage',
  'cacheControl',
] as const;

/**
 * Reads the writable fields of an object resource. `null` clears a field (a `null` entry of
 * `metadata` removes that key when merged by `patchFields`).
 */
export function writableFields(body: Record<string, unknown>): Partial<Record<keyof WritableFields, unknown>> {
  const fields: Partial<Record<keyof WritableFields, unknown>> = {};
  for (const field of [...contentFields, 'storageClass', 'metadata'] as const) {
    const value = body[field];
    if (value === undefined) continue;
    if (field === 'metadata') {
      if (value !== null && (typeof value !== 'object' || Array.isArray(value)))
        throw invalid('metadata must be an object.');
    } else if (value !== null && typeof value !== 'string') {
      throw invalid(`${field} must be a string.`);
    }
    fields[field] = value;
  }
  return fields;
}

function metadataMap(value: unknown, base: Record<string, string> = {}): Record<string, string> | undefined {
  if (value === null) return undefined;
  const merged = { ...base };
  for (const [key, entry] of Object.entries(value as Record<string, unknown>)) {
    if (entry === null) delete merged[key];
    else merged[key] = typeof entry === 'string' ? entry : JSON.stringify(entry);
  }
  return Object.keys(merged).length > 0 ? merged : undefined;
}

/** Applies a PATCH (merge, `null` clears) or PUT-style update (`replace`) to an object's fields. */
export function patchFields(
  object: ObjectRecord,
  fields: Partial<Record<keyof WritableFields, unknown>>,
  mode: 'merge' | 'replace',
): ObjectRecord {
  const next: ObjectRecord = { ...object };
  if (mode === 'replace') {
    for (const field of contentFields) if (field !== 'contentType') delete next[field];
    delete next.metadata;
  }
  for (const field of contentFields) {
    if (!(field in fields)) continue;
    const value = fields[field];
    if (value === null && field === 'contentType') next.contentType = 'application/octet-stream';
    else if (value === null) delete next[field];
    else next[field] = value as string;
  }
  if (typeof fields.storageClass === 'string') next.storageClass = fields.storageClass;
  if ('metadata' in fields) {
    const metadata = metadataMap(fields.metadata, mode === 'merge' ? object.metadata : {});
    if (metadata) next.metadata = metadata;
    else delete next.metadata;
  }
  return next;
}

/** The record of a new generation holding `size` bytes with these checksums. */
export function newObject(
  bucket: string,
  name: string,
  fields: Partial<Record<keyof WritableFields, unknown>>,
  data: { size: number; checksums: Checksums; composite?: { componentCount: number } },
): ObjectRecord {
  const now = new Date().toISOString();
  const base: ObjectRecord = {
    bucket,
    name,
    generation: nextGeneration(),
    metageneration: 1,
    size: data.size,
    contentType: 'application/octet-stream',
    crc32c: data.checksums.crc32c,
    // Composite objects have no MD5 on GCS: it cannot be derived from the components'.
    ...(data.composite ? { componentCount: data.composite.componentCount } : { md5Hash: data.checksums.md5Hash }),
    timeCreated: now,
    updated: now,
    storageClass: 'STANDARD',
  };
  return patchFields(base, fields, 'merge');
}

type Access = 'read' | 'write';

function wanted(url: URL, name: string): number | undefined {
  const text = url.searchParams.get(name);
  if (text === null || text === '') return undefined;
  if (!/^\d+$/.test(text)) throw invalid(`Invalid value for ${name}: ${text}`);
  return Number(text);
}

/**
 * Checks `ifGenerationMatch` (0: the object must not exist), `ifGenerationNotMatch`,
 * `ifMetagenerationMatch` and `ifMetagenerationNotMatch` against the object as it is now.
 * A failed "not match" on a read is 304, like GCS; everything else that fails is 412.
 */
export function checkPreconditions(current: ObjectRecord | undefined, url: URL, access: Access): void {
  const generationMatch = wanted(url, 'ifGenerationMatch');
  const generationNotMatch = wanted(url, 'ifGenerationNotMatch');
  const metagenerationMatch = wanted(url, 'ifMetagenerationMatch');
  const metagenerationNotMatch = wanted(url, 'ifMetagenerationNotMatch');
  const generation = current?.generation ?? 0;
  if (generationMatch !== undefined && generationMatch !== generation) throw preconditionFailed();
  if (metagenerationMatch !== undefined && metagenerationMatch !== current?.metageneration) throw preconditionFailed();
  const notModified =
    (generationNotMatch !== undefined && generationNotMatch === generation) ||
    (metagenerationNotMatch !== undefined && metagenerationNotMatch === current?.metageneration);
  if (notModified) {
    throw access === 'read' ? new GcsError(304, 'notModified', 'Not Modified') : preconditionFailed();
  }
}
