import { describe, expect, it } from 'vitest';
import { TransformError } from './errors.ts';
import { createValidator } from './validate.ts';

const schema = {
  type: 'object',
  required: ['id', 'email'],
  additionalProperties: false,
  properties: {
    id: { type: 'integer', minimum: 1 },
    email: { type: 'string', format: 'email' },
    'a/b~c': { type: 'string' },
    address: {
      type: 'object',
      required: ['city'],
      properties: { city: { type: 'string', minLength: 1 }, zip: { type: 'string', pattern: '^\\d{5}$' } },
    },
    tags: { type: 'array', items: { enum: ['new', 'vip'] } },
    created: { type: 'string', format: 'date-time' },
  },
};

describe('createValidator', () => {
  const validate = createValidator(schema);

  it('returns null for a valid record, unicode included', () => {
    expect(
      validate({ id: 1, email: 'zoe@example.com', address: { city: 'Zürich 😀' }, created: '2024-02-29T12:00:00Z' }),
    ).toBeNull();
  });

  it('lists every problem with a JSON pointer to the field', () => {
    const issues = validate({
      email: 'not-an-email',
      address: { zip: '123' },
      tags: ['new', 'gold'],
      created: '2024-02-30T25:00:00Z',
      extra: null,
    });
    expect(issues).toEqual([
      { path: '/id', message: "must have required property 'id'", keyword: 'required' },
      { path: '/extra', message: 'must NOT have additional properties', keyword: 'additionalProperties' },
      { path: '/email', message: 'must match format "email"', keyword: 'format' },
      { path: '/address/city', message: "must have required property 'city'", keyword: 'required' },
      { path: '/address/zip', message: 'must match pattern "^\\d{5}$"', keyword: 'pattern' },
      { path: '/tags/1', message: 'must be equal to one of the allowed values', keyword: 'enum' },
      { path: '/created', message: 'must match format "date-time"', keyword: 'format' },
    ]);
  });

  it('never coerces types: numeric strings are not integers', () => {
    expect(validate({ id: '12', email: 'a@b.co' })).toEqual([
      { path: '/id', message: 'must be integer', keyword: 'type' },
    ]);
    expect(validate({ id: 0.5, email: 'a@b.co' })?.map((issue) => issue.keyword)).toEqual(['type', 'minimum']);
  });

  it('escapes property names in pointers', () => {
    expect(validate({ id: 1, email: 'a@b.co', 'a/b~c': 1 })).toEqual([
      { path: '/a~1b~0c', message: 'must be string', keyword: 'type' },
    ]);
  });

  it('reports an invalid record as a whole with an empty path', () => {
    expect(createValidator({ type: 'object', minProperties: 1 })({})).toEqual([
      { path: '', message: 'must NOT have fewer than 1 properties', keyword: 'minProperties' },
    ]);
  });

  it('throws schema-invalid for a schema ajv cannot compile, with ajv’s message', () => {
    expect(() => createValidator({ type: 'strng' })).toThrow(TransformError);
    expect(() => createValidator({ type: 'strng' })).toThrow(
      expect.objectContaining({ code: 'schema_invalid', message: expect.stringContaining('schema is invalid') }),
    );
    expect(() => createValidator({ type: 'object', requried: ['id'] })).toThrow(
      expect.objectContaining({ code: 'schema_invalid', message: 'strict mode: unknown keyword: "requried"' }),
    );
    expect(() => createValidator({ type: 'string', format: 'emial' })).toThrow(
      expect.objectContaining({ code: 'schema_invalid', message: expect.stringContaining('unknown format "emial"') }),
    );
  });
});
