import { compileFilter } from '@backflow/transforms';
import { Type } from '@sinclair/typebox';
import { defineTransform, type Rec, type RecordLocation } from '../node-kit/contract.ts';
import { oneOf } from '../node-kit/schema.ts';
import { compileIssues } from './config-check.ts';

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
] as const;

/** What a condition compares a field with (a JSON value a record field can equal). */
const scalarValues = () => [
  Type.String({ title: 'Text' }),
  Type.Number({ title: 'Number' }),
  Type.Boolean({ title: 'Yes / no' }),
];

export const filterNode = defineTransform({
  type: 'filter',
  title: 'Filter',
  description:
    "Keeps records matching an expression such as `status = 'paid' and amount > 100` or field conditions; the rest count as filtered.",
  config: Type.Object(
    {
      expression: Type.Optional(
        Type.String({
          minLength: 1,
          title: 'Expression',
          description: "Such as status = 'paid' and amount > 100. With conditions as well, both must hold.",
        }),
      ),
      where: Type.Optional(
        Type.Array(
          Type.Object(
            {
              field: Type.String({ title: 'Field', description: 'A name or a dotted path: customer.country' }),
              op: oneOf(operators, { title: 'Operator' }),
              value: Type.Optional(
                Type.Union([...scalarValues(), Type.Array(Type.Union(scalarValues()), { title: 'List' })], {
                  title: 'Value',
                  description: 'A list for in and not_in; none for is_null and not_null.',
                }),
              ),
            },
            { additionalProperties: false },
          ),
          { title: 'Where conditions', description: 'Every condition must hold.' },
        ),
      ),
    },
    { additionalProperties: false, anyOf: [{ required: ['expression'] }, { required: ['where'] }] },
  ),
  inputs: [{ name: 'records', kind: 'records' }],
  perBatch: true,
  checkConfig: (config) => compileIssues('expression', () => compileFilter(config)),
  outputs: [{ name: 'records', kind: 'records' }],
  create(config, ctx) {
    const keep = compileFilter(config);
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
});
