import validator from '@rjsf/validator-ajv8';
import type { JsonSchema } from '../api/types.ts';

/** How a config value names an environment variable. */
export const envSyntax = `\${env:NAME}`;

/** `${env:NAME}`: the only inline value a secret field takes. */
export const envReference = /^\$\{env:[A-Za-z_][A-Za-z0-9_]*\}$/;

export const secretHelp = `Secret: write ${envSyntax} to take it from the server’s environment, or pick a stored connection. A literal secret is refused, so it never lands in a flow file.`;

/** A sentence the form states above its fields for what it cannot show on one field. */
export interface FormRule {
  /** Such as "Give either query or table." */
  text: string;
  /** The schema a config must match for the rule to apply (an `if`); without it, it always applies. */
  when?: JsonSchema;
}

export interface GeneratedForm {
  /** The config schema, less what a form cannot draw well (the server still checks all of it). */
  schema: JsonSchema;
  uiSchema: Record<string, any>;
  /** Fields marked `writeOnly`. */
  secrets: string[];
  /** From the alternatives and conditions the form leaves out; `rulesFor` picks those that apply. */
  rules: FormRule[];
}

/** A text field holding SQL (`contentMediaType: application/sql`): drawn as a SQL editor and parsed on the server. */
export const sqlMediaType = 'application/sql';

const kindTitle: Record<string, string> = {
  string: 'Text',
  array: 'List',
  object: 'Object',
  integer: 'Number',
  number: 'Number',
  boolean: 'Yes / no',
};

/** A branch of `oneOf`/`anyOf` that only says which fields are required. */
function onlyRequires(branch: JsonSchema): boolean {
  return Object.keys(branch).every((key) => key === 'required' || key === 'title' || key === 'description');
}

function isFreeObject(schema: JsonSchema): boolean {
  return schema.type === 'object' && !schema.properties && typeof schema.additionalProperties !== 'object';
}

/** An object of field → text or choice (`{ old: 'new' }`, `{ amount: 'integer' }`), drawn as a list of pairs. */
function isPairs(schema: JsonSchema): boolean {
  const value = schema.additionalProperties;
  return (
    schema.type === 'object' &&
    !schema.properties &&
    typeof value === 'object' &&
    (value.type === 'string' || (Array.isArray(value.enum) && value.enum.every((v: unknown) => typeof v === 'string')))
  );
}

/** An object of name → a settings object (per-stream mappings, lookups), drawn as one tab per name. */
function isKeyedForms(schema: JsonSchema): boolean {
  const value = schema.additionalProperties;
  return (
    schema.type === 'object' &&
    !schema.properties &&
    typeof value === 'object' &&
    value.type === 'object' &&
    Boolean(value.properties)
  );
}

/** A group of settings with fields of its own (`incremental`, `idMap`, `owners`). */
function isGroup(schema: JsonSchema): boolean {
  return schema.type === 'object' && Boolean(schema.properties);
}

/** A value of any JSON type (a lookup's default): the form offers text, the usual case. */
function isUntyped(schema: JsonSchema): boolean {
  return !schema.type && !schema.enum && !schema.anyOf && !schema.oneOf && !schema.const && !schema.$ref;
}

/** A field as a sentence names it: its title, lower-cased unless it starts an acronym, else its name. */
function spoken(name: string, properties: Record<string, JsonSchema>): string {
  const title = properties[name]?.title;
  if (typeof title !== 'string') return name;
  return /^[A-Z][a-z]/.test(title) ? title[0]!.toLowerCase() + title.slice(1) : title;
}

function titled(branches: JsonSchema[]): JsonSchema[] {
  return branches.map((branch) =>
    branch.title ? branch : { ...branch, title: kindTitle[String(branch.type)] ?? String(branch.type ?? 'Value') },
  );
}

/**
 * "With mode upsert, give key." from `if: { properties: { mode: { const: 'upsert' } } }, then: {
 * required: ['key'] }`; an `enum` condition reads "With mode update, upsert or mirror, …".
 */
function conditionalRule(
  when: JsonSchema | undefined,
  then: JsonSchema | undefined,
  properties: Record<string, JsonSchema>,
): FormRule | undefined {
  const conditions = Object.entries((when?.properties ?? {}) as Record<string, JsonSchema>).filter(
    ([, p]) => 'const' in p || Array.isArray(p.enum),
  );
  const required = (then?.required ?? []) as string[];
  if (!when || conditions.length === 0 || required.length === 0) return undefined;
  const clause = conditions.map(([name, p]) => `${spoken(name, properties)} ${valuesSpoken(p)}`).join(' and ');
  return { text: `With ${clause}, give ${required.map((name) => spoken(name, properties)).join(' and ')}.`, when };
}

/** A condition's value, or values as "update, upsert or mirror". */
function valuesSpoken(condition: JsonSchema): string {
  if ('const' in condition) return String(condition.const);
  const values = (condition.enum as unknown[]).map(String);
  return values.length < 2 ? values.join('') : `${values.slice(0, -1).join(', ')} or ${values.at(-1)}`;
}

/** A readable label for enum values that are whitespace, like line endings. */
function enumLabel(value: unknown): string {
  if (value === '\n') return 'LF (\\n)';
  if (value === '\r\n') return 'CRLF (\\r\\n)';
  if (value === '\t') return 'Tab';
  return String(value);
}

/**
 * The form for a node type's config JSON Schema (the schema the server validates with): secrets as
 * password inputs, free-form objects as JSON text, fields a stored connection supplies marked so.
 */
export function generateForm(
  config: JsonSchema,
  options: { connection?: string; connectionFields?: string[] } = {},
): GeneratedForm {
  // The title and description of the whole config are the node type's, which the inspector shows already.
  const { oneOf, anyOf, if: _if, then: _then, else: _else, title: _title, description: _description, ...rest } = config;
  const properties = (config.properties ?? {}) as Record<string, JsonSchema>;
  const rules: FormRule[] = [];
  const schema: JsonSchema = { ...rest, properties: { ...properties } };
  for (const alternatives of [oneOf, anyOf]) {
    if (!Array.isArray(alternatives)) continue;
    if (alternatives.every(onlyRequires)) {
      const names = alternatives.map((branch: JsonSchema) =>
        (branch.required ?? []).map((name: string) => spoken(name, properties)).join(' and '),
      );
      rules.push({ text: `Give ${alternatives === oneOf ? 'either' : 'at least one of'} ${names.join(' or ')}.` });
    } else {
      schema[alternatives === oneOf ? 'oneOf' : 'anyOf'] = alternatives;
    }
  }
  const conditional = conditionalRule(_if, _then, properties);
  if (conditional) rules.push(conditional);

  const uiSchema: Record<string, any> = { 'ui:submitButtonOptions': { norender: true } };
  const secrets: string[] = [];
  const supplied = new Set(options.connection ? (options.connectionFields ?? []) : []);
  const required = new Set<string>(Array.isArray(schema.required) ? schema.required : []);
  for (const [name, property] of Object.entries(schema.properties as Record<string, JsonSchema>)) {
    const ui: Record<string, any> = {};
    let field = property;
    if (property.writeOnly) {
      secrets.push(name);
      ui['ui:widget'] = 'password';
      ui['ui:help'] = secretHelp;
      ui['ui:placeholder'] = envSyntax;
    }
    if (isFreeObject(property)) ui['ui:field'] = 'json';
    if (isPairs(property)) ui['ui:field'] = 'pairs';
    // Drawn as tabs; the form sees only an object, so it fills no defaults into the entries (the server does).
    if (isKeyedForms(property)) {
      ui['ui:field'] = 'keyed';
      ui['ui:options'] = { keyed: property };
      field = { type: 'object', title: property.title ?? name };
    }
    // Drawn with a switch; the form sees only an object, so it fills in no defaults (see OptionalObjectField).
    if (isGroup(property) && !required.has(name)) {
      ui['ui:field'] = 'optionalObject';
      ui['ui:options'] = { group: property };
      field = { type: 'object', title: property.title ?? name };
    }
    if (isUntyped(property)) field = { ...field, type: 'string' };
    if (property.contentMediaType === sqlMediaType) ui['ui:widget'] = 'sql';
    // A mirror's scope: `all` deletes what the flow never wrote, so picking it asks first (MirrorScopeWidget).
    if (name === 'mirrorScope' && Array.isArray(property.enum) && property.enum.includes('all'))
      ui['ui:widget'] = 'mirrorScope';
    // The list's legend names its entries; rjsf would label each "<title>-1", "<title>-2"… and star it.
    if (property.type === 'array') ui.items = { 'ui:label': false };
    if (Array.isArray(property.anyOf)) field = { ...field, anyOf: titled(property.anyOf) };
    if (Array.isArray(property.oneOf)) field = { ...field, oneOf: titled(property.oneOf) };
    if (Array.isArray(property.enum) && property.enum.some((value: unknown) => /^\s+$/.test(String(value))))
      ui['ui:enumNames'] = property.enum.map(enumLabel);
    if (supplied.has(name)) {
      ui['ui:help'] = `Comes from the connection “${options.connection}”; a value here overrides it.`;
      ui['ui:placeholder'] = `from ${options.connection}`;
    }
    if (field !== property) schema.properties[name] = field;
    if (Object.keys(ui).length > 0) uiSchema[name] = ui;
  }
  if (supplied.size > 0 && Array.isArray(schema.required))
    schema.required = schema.required.filter((name: string) => !supplied.has(name));
  return { schema, uiSchema, secrets, rules };
}

/** The rules that apply to `config`: a conditional one only while its condition holds. */
export function rulesFor(rules: readonly FormRule[], config: Record<string, unknown>): FormRule[] {
  return rules.filter((rule) => rule.when === undefined || validator.isValid(rule.when, config, rule.when));
}

/** Secret fields holding something other than an `${env:NAME}` reference, with what to do. */
export function secretProblems(config: Record<string, unknown>, secrets: readonly string[]): Record<string, string> {
  const problems: Record<string, string> = {};
  for (const name of secrets) {
    const value = config[name];
    if (value === undefined || value === '' || (typeof value === 'string' && envReference.test(value))) continue;
    problems[name] = `a secret here must be ${envSyntax}; keep the value itself in a stored connection`;
  }
  return problems;
}
