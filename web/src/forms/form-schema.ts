import type { JsonSchema } from '../api/types.ts';

/** How a config value names an environment variable. */
export const envSyntax = `\${env:NAME}`;

/** `${env:NAME}`: the only inline value a secret field takes. */
export const envReference = /^\$\{env:[A-Za-z_][A-Za-z0-9_]*\}$/;

export const secretHelp = `Secret: write ${envSyntax} to take it from the server’s environment, or pick a stored connection. A literal secret is refused, so it never lands in a flow file.`;

export interface GeneratedForm {
  /** The config schema, less what a form cannot draw well (the server still checks all of it). */
  schema: JsonSchema;
  uiSchema: Record<string, any>;
  /** Fields marked `writeOnly`. */
  secrets: string[];
  /** A sentence from alternatives the form leaves out, such as "Give a query or a table". */
  rule: string | undefined;
}

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

function titled(branches: JsonSchema[]): JsonSchema[] {
  return branches.map((branch) =>
    branch.title ? branch : { ...branch, title: kindTitle[String(branch.type)] ?? String(branch.type ?? 'Value') },
  );
}

/** "With mode upsert, give key." from `if: { properties: { mode: { const: 'upsert' } } }, then: { required: ['key'] }`. */
function conditionalRule(when: JsonSchema | undefined, then: JsonSchema | undefined): string | undefined {
  const conditions = Object.entries((when?.properties ?? {}) as Record<string, JsonSchema>).filter(
    ([, p]) => 'const' in p,
  );
  const required = (then?.required ?? []) as string[];
  if (conditions.length === 0 || required.length === 0) return undefined;
  const clause = conditions.map(([name, p]) => `${name} ${String(p.const)}`).join(' and ');
  return `With ${clause}, give ${required.join(' and ')}.`;
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
  const { oneOf, anyOf, if: _if, then: _then, else: _else, ...rest } = config;
  const rules: string[] = [];
  const schema: JsonSchema = { ...rest, properties: { ...(config.properties ?? {}) } };
  for (const alternatives of [oneOf, anyOf]) {
    if (!Array.isArray(alternatives)) continue;
    if (alternatives.every(onlyRequires)) {
      const names = alternatives.map((branch: JsonSchema) => (branch.required ?? []).join(' and '));
      rules.push(`Give ${alternatives === oneOf ? 'either' : 'at least one of'} ${names.join(' or ')}.`);
    } else {
      schema[alternatives === oneOf ? 'oneOf' : 'anyOf'] = alternatives;
    }
  }
  const conditional = conditionalRule(_if, _then);
  if (conditional) rules.push(conditional);

  const uiSchema: Record<string, any> = { 'ui:submitButtonOptions': { norender: true } };
  const secrets: string[] = [];
  const supplied = new Set(options.connection ? (options.connectionFields ?? []) : []);
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
  return { schema, uiSchema, secrets, rule: rules.length > 0 ? rules.join(' ') : undefined };
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
