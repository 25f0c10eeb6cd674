import { compileFilter } from '@backflow/transforms';
import type { NodeType, Rec, RecordLocation } from '../node-kit/contract.ts';
import { compileIssues } from './config-check.ts';

interface FilterConfig {
  expression?: string;
  where?: { field: string; op: string; value?: unknown }[];
}

const operators = [
  'eq',
  'ne',
  'lt',
  'lte',
  'gt',
  'gte',
  'in',
  'not_in',
  'is_null',
  'not_null',
  'contains',
  'starts_with',
];

/** What a condition compares a field with (a JSON value a record field can equal). */
const scalarValues = [
  { type: 'string', title: 'Text' },
  { type: 'number', title: 'Number' },
  { type: 'boolean', title: 'Yes / no' },
];

export const filterNode: NodeType<FilterConfig> = {
  type: 'filter',
  role: 'transform',
  title: 'Filter',
  description:
    "Keeps records matching an expression such as `status = 'paid' and amount > 100` or field conditions; the rest count as filtered.",
  config: {
    type: 'object',
    additionalProperties: false,
    anyOf: [{ required: ['expression'] }, { required: ['where'] }],
    properties: {
      expression: {
        type: 'string',
        minLength: 1,
        title: 'Expression',
        description: "Such as status = 'paid' and amount > 100. With conditions as well, both must hold.",
      },
      where: {
        type: 'array',
        title: 'Where conditions',
        description: 'Every condition must hold.',
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['field', 'op'],
          properties: {
            field: { type: 'string', title: 'Field', description: 'A name or a dotted path: customer.country' },
            op: { enum: operators, title: 'Operator' },
            value: {
              title: 'Value',
              description: 'A list for in and not_in; none for is_null and not_null.',
              anyOf: [...scalarValues, { type: 'array', title: 'List', items: { anyOf: scalarValues } }],
            },
          },
        },
      },
    },
  },
  inputs: [{ name: 'records', kind: 'records' }],
  checkConfig: (config) =>
    compileIssues('expression', () => compileFilter(config as Parameters<typeof compileFilter>[0])),
  outputs: [{ name: 'records', kind: 'records' }],
  create(config, ctx) {
    const keep = compileFilter(config as Parameters<typeof compileFilter>[0]);
    return {
      async process(input, emit) {
        if (input.kind !== 'records') return;
        const kept: Rec[] = [];
        const locations: RecordLocation[] = [];
        input.records.forEach((record, i) => {
          if (!keep(record)) return;
          kept.push(record);
          const location = input.locations?.[i];
          if (location) locations.push(location);
        });
        ctx.filtered(input.records.length - kept.length);
        if (kept.length > 0) {
          await emit('records', { ...input, records: kept, ...(input.locations ? { locations } : {}) });
        }
      },
    };
  },
};
