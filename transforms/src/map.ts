import { CAST_COLUMN_TYPES, CAST_TYPES, type CastType, castValue } from './cast.ts';
import { TransformError } from './errors.ts';
import { ownField, writeField } from './field-path.ts';
import { compileRecordLiteral } from './record-literal.ts';
import { compileTemplate, type Template } from './template.ts';

export interface MapConfig {
  /** Keep only these fields, in this order. */
  select?: string[];
  /** Remove these fields. */
  drop?: string[];
  /** Old name → new name. */
  rename?: Record<string, string>;
  /** Field (its name after renaming) → type; see `castValue` for what each cast accepts. */
  cast?: Record<string, CastType>;
  /** Field (its name after renaming) → a table of values to replace, e.g. HubSpot stages → Salesforce stages. */
  lookup?: Record<string, LookupTable>;
  /** Values for fields that are null or missing. */
  defaults?: Record<string, unknown>;
  /** Constant values, or `{ template: 'Hi {first_name} {address.city}' }` filled from the record. */
  set?: Record<string, unknown>;
}

/**
 * A value map for one field: a value found in `values` (compared as text: 2 and "2" are one key)
 * becomes what it maps to; any other value becomes `default` when there is one, else is kept, or
 * sends its record to rejected with `unmatched: "reject"`. Null and missing values are left alone
 * (`defaults` fills those).
 */
export interface LookupTable {
  values: Record<string, unknown>;
  default?: unknown;
  unmatched?: 'keep' | 'reject';
}

/** A column of a stream: `type` is a DuckDB type name. */
export interface Column {
  name: string;
  type: string;
}

export type MapResult = { record: Record<string, unknown> } | { error: { path: string; message: string } };

export interface Mapper {
  /** The mapped record, or the first field that could not be mapped (a failed cast, a rename collision). */
  map(record: Record<string, unknown>): MapResult;
  /** The output columns for known input columns; undefined when the input columns are not known. */
  columns(input?: Column[]): Column[] | undefined;
}

type SetValue = { template: Template } | { constant: unknown };

/**
 * Reshapes records in a fixed order: select or drop → rename → cast → lookup → defaults → set. Names
 * in `cast`, `lookup`, `defaults` and `set` are names after renaming, and templates in `set` read the record as the earlier
 * steps left it. Config mistakes (a name renamed to twice, a cast of a field that is not kept, an
 * unknown type, a malformed template) throw `config-invalid` when the mapper is created.
 */
export function createMapper(config: MapConfig): Mapper {
  const select = config.select;
  const drop = new Set(config.drop ?? []);
  const rename = new Map(Object.entries(config.rename ?? {}));
  const renamedFrom = new Map([...rename].map(([from, to]) => [to, from]));
  const casts = Object.entries(config.cast ?? {});
  const defaults = Object.entries(config.defaults ?? {});
  checkConfig(config, rename);
  const lookups = Object.entries(config.lookup ?? {}).map(
    ([field, table]) => [field, table, new Map(Object.entries(table.values))] as const,
  );
  const sets = Object.entries(config.set ?? {}).map(([field, value]): [string, SetValue] => [
    field,
    isTemplate(value) ? { template: compileTemplate(value.template, `set.${field}`) } : { constant: value },
  ]);

  /** `select`/`drop`/`rename` compiled for the field order of the records seen so far (see `compileReshape`). */
  let compiled: CompiledReshape | undefined;

  function reshape(record: Record<string, unknown>): MapResult {
    if (compiled?.fits(record)) return { record: compiled.build(record) };
    const result = reshapeFieldByField(record);
    if (!compiled && 'record' in result) compiled = compileReshape(record, select, drop, rename);
    return result;
  }

  function reshapeFieldByField(record: Record<string, unknown>): MapResult {
    const output: Record<string, unknown> = {};
    if (select) {
      for (const name of select) {
        if (!Object.hasOwn(record, name)) continue;
        const failed = keep(output, name, record[name]);
        if (failed) return failed;
      }
      return { record: output };
    }
    // for…in rather than Object.keys: no array per record.
    for (const name in record) {
      if (!Object.hasOwn(record, name) || drop.has(name)) continue;
      const failed = keep(output, name, record[name]);
      if (failed) return failed;
    }
    return { record: output };
  }

  /** Puts a kept field into `output` under its new name; an error when that name is taken. */
  function keep(output: Record<string, unknown>, name: string, value: unknown): MapResult | undefined {
    const newName = rename.get(name) ?? name;
    // Only possible without `select`: checkConfig rules collisions out among selected fields.
    if (Object.hasOwn(output, newName)) {
      const renamed = newName === name ? renamedFrom.get(name) : name;
      const message = `renaming "${renamed}" to "${newName}" would overwrite the field "${newName}"`;
      return { error: { path: newName, message } };
    }
    writeField(output, newName, value);
    return undefined;
  }

  return {
    map(record) {
      const reshaped = reshape(record);
      if (!('record' in reshaped)) return reshaped;
      const output = reshaped.record;
      for (const [field, type] of casts) {
        if (!Object.hasOwn(output, field)) continue;
        const cast = castValue(output[field], type);
        if ('error' in cast) return { error: { path: field, message: cast.error } };
        writeField(output, field, cast.value);
      }
      for (const [field, table, values] of lookups) {
        const current = ownField(output, field);
        if (current === undefined || current === null) continue;
        const key = typeof current === 'object' ? JSON.stringify(current) : String(current);
        if (values.has(key)) writeField(output, field, copyOf(values.get(key)));
        else if (Object.hasOwn(table, 'default')) writeField(output, field, copyOf(table.default));
        else if (table.unmatched === 'reject') {
          return { error: { path: field, message: `value ${JSON.stringify(current)} is not in the lookup table` } };
        }
      }
      for (const [field, value] of defaults) {
        const current = ownField(output, field);
        if (current === undefined || current === null) writeField(output, field, copyOf(value));
      }
      const setValues = sets.map(
        ([field, value]) => [field, 'template' in value ? value.template(output) : copyOf(value.constant)] as const,
      );
      for (const [field, value] of setValues) writeField(output, field, value);
      return { record: output };
    },

    columns(input) {
      if (!input) return undefined;
      const byName = new Map(input.map((column) => [column.name, column.type]));
      const names = (select ?? input.map((column) => column.name)).filter(
        (name) => byName.has(name) && !drop.has(name),
      );
      const output = new Map(names.map((name) => [rename.get(name) ?? name, byName.get(name)!]));
      for (const [field, type] of casts) if (output.has(field)) output.set(field, CAST_COLUMN_TYPES[type]);
      for (const [field, table] of lookups) if (output.has(field)) output.set(field, lookupColumnType(table));
      for (const [field, value] of defaults) if (!output.has(field)) output.set(field, columnTypeOf(value));
      for (const [field, value] of sets)
        output.set(field, 'template' in value ? 'VARCHAR' : columnTypeOf(value.constant));
      return [...output].map(([name, type]) => ({ name, type }));
    },
  };
}

interface CompiledReshape {
  /** Whether the record has exactly the fields, in the order, this reshape was compiled for. */
  fits(record: Record<string, unknown>): boolean;
  build(record: Record<string, unknown>): Record<string, unknown>;
}

/**
 * The reshape of records with the fields of `sample`, in its order, as one object literal (see
 * `compileRecordLiteral`): records of one stream nearly always share their fields. Compiled only from
 * a record the field-by-field reshape took without error, so no rename collides. Undefined when
 * `sample` has inherited enumerable fields, which the literal could not tell from its own.
 */
function compileReshape(
  sample: Record<string, unknown>,
  select: readonly string[] | undefined,
  drop: ReadonlySet<string>,
  rename: ReadonlyMap<string, string>,
): CompiledReshape | undefined {
  const fields: string[] = [];
  for (const name in sample) {
    if (!Object.hasOwn(sample, name)) return undefined;
    fields.push(name);
  }
  const present = new Set(fields);
  const kept = select ? select.filter((name) => present.has(name)) : fields.filter((name) => !drop.has(name));
  const build = compileRecordLiteral<CompiledReshape['build']>(
    kept.map((name) => rename.get(name) ?? name),
    ['record'],
    (index) => `record[${JSON.stringify(kept[index])}]`,
  );
  return {
    fits(record) {
      let index = 0;
      for (const name in record) if (fields[index++] !== name) return false;
      return index === fields.length;
    },
    build,
  };
}

function isTemplate(value: unknown): value is { template: string } {
  return typeof value === 'object' && value !== null && Object.hasOwn(value, 'template');
}

/** Constants are shared by every record; each record gets its own copy of an object or array. */
function copyOf(value: unknown): unknown {
  return typeof value === 'object' && value !== null ? structuredClone(value) : value;
}

function columnTypeOf(value: unknown): string {
  switch (typeof value) {
    case 'boolean':
      return 'BOOLEAN';
    case 'bigint':
      return 'BIGINT';
    case 'number':
      return Number.isInteger(value) ? 'BIGINT' : 'DOUBLE';
    case 'object':
      return value === null ? 'VARCHAR' : 'JSON';
    default:
      return 'VARCHAR';
  }
}

/** The type of a looked-up field: that of every value it can become, or VARCHAR when they differ. */
function lookupColumnType(table: LookupTable): string {
  const results = [...Object.values(table.values), ...(Object.hasOwn(table, 'default') ? [table.default] : [])];
  const types = new Set(results.filter((value) => value !== null).map(columnTypeOf));
  if (table.unmatched !== 'reject' && !Object.hasOwn(table, 'default')) return 'VARCHAR';
  return types.size === 1 ? [...types][0]! : 'VARCHAR';
}

function configError(path: string, message: string): TransformError {
  return new TransformError('config_invalid', `${path}: ${message}`, { path });
}

function checkConfig(config: MapConfig, rename: Map<string, string>): void {
  const { select, drop } = config;
  if (select && drop) throw configError('drop', 'use either select or drop, not both');
  const selected = new Set<string>();
  for (const name of select ?? []) {
    if (selected.has(name)) throw configError('select', `"${name}" is selected twice`);
    selected.add(name);
  }
  const renamedFrom = new Map<string, string>();
  for (const [from, to] of rename) {
    const path = `rename.${from}`;
    if (typeof to !== 'string' || to === '') throw configError(path, 'the new name must be a non-empty string');
    const earlier = renamedFrom.get(to);
    if (earlier !== undefined) throw configError(path, `"${to}" is already the new name of "${earlier}"`);
    renamedFrom.set(to, from);
    if (select && !selected.has(from)) throw configError(path, `"${from}" is not selected`);
    if (drop?.includes(from)) throw configError(path, `"${from}" is dropped`);
    if (selected.has(to) && !rename.has(to)) throw configError(path, `"${to}" is also a selected field`);
  }
  // The fields that exist after select/drop and rename, when select makes them known.
  const kept = select && new Set(select.map((name) => rename.get(name) ?? name));
  for (const [field, type] of Object.entries(config.cast ?? {})) {
    const path = `cast.${field}`;
    if (!CAST_TYPES.includes(type))
      throw configError(path, `unknown type "${type}"; use one of ${CAST_TYPES.join(', ')}`);
    if (rename.has(field) && !renamedFrom.has(field)) {
      throw configError(path, `"${field}" is renamed to "${rename.get(field)}"; cast the new name`);
    }
    if (kept && !kept.has(field)) throw configError(path, `"${field}" is not selected`);
    if (drop?.includes(field) && !renamedFrom.has(field)) throw configError(path, `"${field}" is dropped`);
  }
  for (const [field, table] of Object.entries(config.lookup ?? {})) {
    const path = `lookup.${field}`;
    if (typeof table !== 'object' || table === null || typeof table.values !== 'object' || table.values === null) {
      throw configError(path, 'a lookup table needs "values": an object of value → new value');
    }
    if (rename.has(field) && !renamedFrom.has(field)) {
      throw configError(path, `"${field}" is renamed to "${rename.get(field)}"; look up the new name`);
    }
    if (kept && !kept.has(field)) throw configError(path, `"${field}" is not selected`);
  }
  for (const [field, value] of Object.entries(config.set ?? {})) {
    if (isTemplate(value) && typeof value.template !== 'string') {
      throw configError(`set.${field}`, 'a template must be text such as "Hi {first_name}"');
    }
  }
}
