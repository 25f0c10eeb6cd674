import { type ObjectSchema, type PropertyDefinition, propertyOf } from './catalog.ts';
import type { PropertyProblem } from './errors.ts';
import { findPipeline } from './pipelines.ts';
import type { CrmRecord, CrmStore } from './store.ts';

/** Property values checked and put in the form HubSpot stores them; `""` clears a value. */
export interface CheckedProperties {
  values: Record<string, string>;
  problems: PropertyProblem[];
}

const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const numberPattern = /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
const dayMs = 86_400_000;

/**
 * Checks the `properties` of a create or update the way HubSpot does: unknown names, read-only
 * properties and values that do not fit the property's type each give one problem naming the property.
 * `current` is the record being updated (its pipeline decides which deal stages are valid).
 */
export function checkProperties(
  schema: ObjectSchema,
  input: unknown,
  store: CrmStore,
  current?: CrmRecord,
): CheckedProperties {
  const values: Record<string, string> = {};
  const problems: PropertyProblem[] = [];
  if (input === undefined || input === null) return { values, problems };
  if (typeof input !== 'object' || Array.isArray(input)) {
    problems.push(problem('properties', 'properties must be an object of property values', 'INVALID_PROPERTIES'));
    return { values, problems };
  }
  const entries = Object.entries(input as Record<string, unknown>);
  for (const [name, raw] of entries) {
    const property = propertyOf(schema, name);
    if (!property) {
      problems.push(problem(name, `Property "${name}" does not exist`, 'PROPERTY_DOESNT_EXIST'));
      continue;
    }
    if (property.readOnlyValue) {
      problems.push(problem(name, `"${name}" is a read only property; its value cannot be set.`, 'READ_ONLY_VALUE'));
      continue;
    }
    if (raw === null || raw === '') {
      values[name] = '';
      continue;
    }
    if (typeof raw === 'object') {
      problems.push(problem(name, `${JSON.stringify(raw)} was not a valid value for ${name}.`, 'INVALID_VALUE'));
      continue;
    }
    const checked = checkValue(schema, property, String(raw), {
      store,
      input: input as Record<string, unknown>,
      current,
    });
    if (typeof checked === 'string') values[name] = checked;
    else problems.push(checked);
  }
  return { values, problems };
}

interface ValueContext {
  store: CrmStore;
  input: Record<string, unknown>;
  current?: CrmRecord;
}

function checkValue(
  schema: ObjectSchema,
  property: PropertyDefinition,
  text: string,
  context: ValueContext,
): string | PropertyProblem {
  const { name } = property;
  if (property.type !== 'string' && text.trim() !== text) {
    return problem(name, `"${text}" includes leading or trailing whitespace.`, 'LEADING_TRAILING_WHITESPACE');
  }
  if (schema.type === 'contacts' && name === 'email' && !emailPattern.test(text)) {
    return problem(name, `Email address ${text} is invalid`, 'INVALID_EMAIL');
  }
  switch (property.type) {
    case 'string':
      return text;
    case 'number':
      return numberPattern.test(text) ? text : problem(name, `${text} was not a valid number.`, 'INVALID_DECIMAL');
    case 'bool': {
      const lower = text.toLowerCase();
      return lower === 'true' || lower === 'false'
        ? lower
        : problem(name, `${text} was not a valid boolean.`, 'INVALID_BOOLEAN');
    }
    case 'datetime': {
      const time = parseTime(text);
      return time === undefined
        ? problem(name, `${text} was not a valid long.`, 'INVALID_LONG')
        : new Date(time).toISOString();
    }
    case 'date': {
      const time = parseTime(text);
      if (time === undefined) return problem(name, `${text} was not a valid long.`, 'INVALID_LONG');
      if (time % dayMs !== 0) {
        return problem(name, `${text} is at ${new Date(time).toISOString()}, which is not midnight!`, 'INVALID_DATE');
      }
      return new Date(time).toISOString().slice(0, 10);
    }
    case 'enumeration':
      return checkOption(property, text, context);
  }
}

function checkOption(property: PropertyDefinition, text: string, context: ValueContext): string | PropertyProblem {
  const { name } = property;
  if (property.references === 'owner') {
    return context.store.getOwner(text) ? text : problem(name, `${text} is not a valid owner id`, 'INVALID_OWNER_ID');
  }
  if (property.references === 'pipeline') {
    return findPipeline(text) ? text : problem(name, `${text} is not a valid pipeline`, 'INVALID_OPTION');
  }
  if (property.references === 'dealstage') {
    const pipelineId = String(context.input.pipeline ?? context.current?.properties.pipeline ?? 'default');
    const pipeline = findPipeline(pipelineId);
    if (pipeline?.stages.some((stage) => stage.id === text)) return text;
    return problem(name, `${text} is not a valid dealstage in pipeline ${pipelineId}`, 'INVALID_OPTION');
  }
  const options = property.options ?? [];
  if (options.some((option) => option.value === text)) return text;
  const allowed = options.map((option) => option.value).join(', ');
  return problem(name, `${text} was not one of the allowed options: [${allowed}]`, 'INVALID_OPTION');
}

/** Milliseconds since the epoch, or an ISO 8601 date or date-time. */
export function parseTime(text: string): number | undefined {
  if (/^-?\d+$/.test(text)) return Number(text);
  if (!/^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(text)) return undefined;
  const time = Date.parse(text.length === 10 ? `${text}T00:00:00Z` : text);
  return Number.isNaN(time) ? undefined : time;
}

const problem = (name: string, message: string, error: string): PropertyProblem => ({
  isValid: false,
  message,
  error,
  name,
});
