import { describe, expect, it } from 'vitest';
import { envSyntax, generateForm, rulesFor, secretHelp, secretProblems } from './form-schema.ts';

/** JSON Schema's `then` keyword (an object with a `then` property looks like a promise to linters). */
const thenKeyword = 'then';

/** Shaped like a database connector's config: a secret, alternatives, a free-form object. */
const config = {
  type: 'object',
  title: 'Warehouse source',
  description: 'Reads a table or a query.',
  additionalProperties: false,
  required: ['url', 'table'],
  properties: {
    url: { type: 'string', title: 'Server' },
    password: { type: 'string', writeOnly: true, title: 'Password' },
    table: { type: 'string', title: 'Table' },
    query: { type: 'string', title: 'SQL query', contentMediaType: 'application/sql' },
    mode: { enum: ['insert', 'upsert'], default: 'insert', title: 'Mode' },
    key: { title: 'Key', anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] },
    defaults: { type: 'object', title: 'Defaults' },
    rename: { type: 'object', additionalProperties: { type: 'string' } },
    cast: { type: 'object', additionalProperties: { enum: ['integer', 'date'] } },
    columns: { type: 'array', items: { type: 'string' }, title: 'Columns' },
    newline: { enum: ['\n', '\r\n'], default: '\n' },
  },
  oneOf: [{ required: ['query'] }, { required: ['table'] }],
  if: { properties: { mode: { const: 'upsert' } }, required: ['mode'] },
  [thenKeyword]: { required: ['key'] },
};

describe('generateForm', () => {
  it('draws secrets as password inputs and says a secret takes only an env reference', () => {
    const form = generateForm(config);
    expect(form.secrets).toEqual(['password']);
    expect(form.uiSchema.password).toEqual({
      'ui:widget': 'password',
      'ui:help': secretHelp,
      'ui:placeholder': envSyntax,
    });
    expect(secretHelp).toContain(`\${env:NAME}`);
  });

  it('draws a mirror’s scope with the widget that asks before `all`, and no other select with it', () => {
    const form = generateForm({
      type: 'object',
      properties: {
        mode: { enum: ['upsert', 'mirror'] },
        mirrorScope: { type: 'string', enum: ['flow', 'all'], default: 'flow', title: 'Mirror deletes' },
        scope: { type: 'string', enum: ['flow', 'all'] },
      },
    });
    expect(form.uiSchema.mirrorScope).toEqual({ 'ui:widget': 'mirrorScope' });
    expect(form.uiSchema.mode).toBeUndefined();
    expect(form.uiSchema.scope).toBeUndefined();
  });

  it('turns alternatives that only require fields into a sentence naming their labels, and drops if/then from the form', () => {
    const form = generateForm(config);
    expect(form.schema.oneOf).toBeUndefined();
    expect(form.schema.if).toBeUndefined();
    expect(form.rules.map((rule) => rule.text)).toEqual([
      // "SQL" keeps its capitals; other titles read as words of the sentence.
      'Give either SQL query or table.',
      'With mode upsert, give key.',
    ]);
    // The server still validates with the full schema: the input is not changed.
    expect(config.oneOf).toHaveLength(2);
  });

  it('states a conditional rule only while its condition holds for the config', () => {
    const { rules } = generateForm(config);
    const stated = (values: Record<string, unknown>) => rulesFor(rules, values).map((rule) => rule.text);
    expect(stated({ mode: 'upsert' })).toEqual(['Give either SQL query or table.', 'With mode upsert, give key.']);
    expect(stated({ mode: 'insert' })).toEqual(['Give either SQL query or table.']);
    // No mode is the default, insert: the `if` requires mode, so it does not hold.
    expect(stated({})).toEqual(['Give either SQL query or table.']);
  });

  it('states a condition on several values as a list', () => {
    const keyed = {
      type: 'object',
      properties: { mode: { enum: ['insert', 'update', 'upsert', 'mirror'], title: 'Mode' }, key: { type: 'string' } },
      if: { properties: { mode: { enum: ['update', 'upsert', 'mirror'] } }, required: ['mode'] },
      [thenKeyword]: { required: ['key'] },
    };
    const { rules } = generateForm(keyed);
    expect(rules.map((rule) => rule.text)).toEqual(['With mode update, upsert or mirror, give key.']);
    expect(rulesFor(rules, { mode: 'mirror' })).toHaveLength(1);
    expect(rulesFor(rules, { mode: 'insert' })).toHaveLength(0);
  });

  it('leaves the title and description of the whole config to the inspector', () => {
    const form = generateForm(config);
    expect(form.schema.title).toBeUndefined();
    expect(form.schema.description).toBeUndefined();
    expect(form.schema.properties.url.title).toBe('Server');
  });

  it('draws field → text or choice objects as pairs, SQL as a SQL editor, and list items without a label each', () => {
    const form = generateForm(config);
    expect(form.uiSchema.rename).toEqual({ 'ui:field': 'pairs' });
    expect(form.uiSchema.cast).toEqual({ 'ui:field': 'pairs' });
    // The enum of the values reaches the field intact, for its select.
    expect(form.schema.properties.cast.additionalProperties).toEqual({ enum: ['integer', 'date'] });
    expect(form.uiSchema.query).toEqual({ 'ui:widget': 'sql' });
    expect(form.uiSchema.columns).toEqual({ items: { 'ui:label': false } });
  });

  it('names the branches of a field that may be text or a list, edits free objects as JSON, labels whitespace enums', () => {
    const form = generateForm(config);
    expect(form.schema.properties.key.anyOf.map((branch: { title: string }) => branch.title)).toEqual(['Text', 'List']);
    expect(form.uiSchema.defaults).toEqual({ 'ui:field': 'json' });
    expect(form.uiSchema.newline['ui:enumNames']).toEqual(['LF (\\n)', 'CRLF (\\r\\n)']);
  });

  it('marks the fields a chosen connection supplies and stops requiring them', () => {
    const form = generateForm(config, { connection: 'warehouse', connectionFields: ['url', 'password'] });
    expect(form.schema.required).toEqual(['table']);
    expect(form.uiSchema.url['ui:help']).toBe('Comes from the connection “warehouse”; a value here overrides it.');
    expect(form.uiSchema.url['ui:placeholder']).toBe('from warehouse');
    expect(generateForm(config, { connectionFields: ['url'] }).schema.required).toEqual(['url', 'table']);
  });
});

describe('secretProblems', () => {
  it('accepts an env reference or nothing, and refuses a literal secret', () => {
    expect(secretProblems({ password: `\${env:PG_PASSWORD}` }, ['password'])).toEqual({});
    expect(secretProblems({ password: '' }, ['password'])).toEqual({});
    expect(secretProblems({}, ['password'])).toEqual({});
    expect(secretProblems({ password: 'hunter2' }, ['password'])).toEqual({
      password: `a secret here must be \${env:NAME}; keep the value itself in a stored connection`,
    });
    expect(secretProblems({ password: `x\${env:PG}` }, ['password']).password).toBeDefined();
  });
});
