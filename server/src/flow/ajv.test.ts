import { describe, expect, it } from 'vitest';
import { createAjv, toErrorDetails } from './ajv.ts';

/** Shaped like duckdb.source and filter: alternatives that only require fields, beside an ordinary field. */
const schema = {
  type: 'object',
  required: ['path'],
  properties: {
    path: { type: 'string' },
    query: { type: 'string', minLength: 1 },
    table: { type: 'string' },
    expression: { type: 'string' },
    where: { type: 'array' },
    key: { type: 'string' },
  },
  oneOf: [{ required: ['query'] }, { required: ['table', 'key'] }],
  anyOf: [{ required: ['expression'] }, { required: ['where'] }],
};

function detailsOf(config: unknown) {
  const validate = createAjv().compile(schema);
  expect(validate(config)).toBe(false);
  return toErrorDetails(validate.errors, 'nodes[0].config');
}

describe('toErrorDetails', () => {
  it('says alternatives that only require fields once, at their object, instead of requiring every field', () => {
    expect(detailsOf({ path: 'a', expression: 'x > 1' })).toEqual([
      { path: 'nodes[0].config', message: 'give either query or table and key' },
    ]);
    expect(detailsOf({ path: 'a', query: 'select 1' })).toEqual([
      { path: 'nodes[0].config', message: 'give at least one of expression or where' },
    ]);
  });

  it('keeps the precise errors beside them, and alternatives failing for another reason as they were', () => {
    expect(detailsOf({ query: 'select 1', table: 't', key: 'k', where: [] })).toEqual([
      { path: 'nodes[0].config.path', message: 'required' },
    ]);
    // The query is given, so the alternatives are met; that it is empty is the error to show.
    expect(detailsOf({ path: 'a', query: '', where: [] })).toEqual([
      { path: 'nodes[0].config.query', message: 'must NOT have fewer than 1 characters' },
    ]);
    const validate = createAjv().compile({
      anyOf: [{ required: ['a'] }, { required: ['b'], properties: { b: { const: 1 } } }],
    });
    expect(validate({ b: 2 })).toBe(false);
    expect(toErrorDetails(validate.errors, 'config')).toEqual([
      { path: 'config.a', message: 'required' },
      { path: 'config.b', message: 'must be equal to constant' },
    ]);
  });
});
