import { createValidator } from '@backflow/transforms';
import { Type } from '@sinclair/typebox';
import { defineTransform, type Rec } from '../node-kit/contract.ts';
import { jsonObject } from '../node-kit/schema.ts';
import { compileIssues } from './config-check.ts';

export const schemaValidate = defineTransform({
  type: 'schema.validate',
  title: 'Validate (JSON Schema)',
  description:
    'Checks each record against a JSON Schema: valid records go on, invalid ones to "rejected" with every reason.',
  config: Type.Object(
    { schema: jsonObject({ title: 'JSON Schema', description: 'Draft 2020-12 schema every record must match' }) },
    { additionalProperties: false },
  ),
  inputs: [{ name: 'records', kind: 'records' }],
  checkConfig: (config) => compileIssues('schema', () => createValidator(config.schema)),
  outputs: [
    { name: 'valid', kind: 'records' },
    { name: 'rejected', kind: 'records' },
  ],
  perBatch: true,
  create(config) {
    const validate = createValidator(config.schema);
    return {
      async process(input, emit) {
        if (input.kind !== 'records') return;
        const valid: Rec[] = [];
        const validLocations: NonNullable<typeof input.locations> = [];
        const rejected: Rec[] = [];
        input.records.forEach((record, i) => {
          const issues = validate(record);
          const location = input.locations?.[i];
          if (!issues) {
            valid.push(record);
            if (location) validLocations.push(location);
            return;
          }
          const where = location?.file ? `${location.file}:${location.line}: ` : '';
          rejected.push({
            record,
            reasons: issues.map((issue) => `${where}${issue.path || '/'} ${issue.message}`),
            ...location,
          });
        });
        if (rejected.length > 0) await emit('rejected', { kind: 'records', stream: input.stream, records: rejected });
        if (valid.length > 0) {
          await emit('valid', {
            ...input,
            records: valid,
            ...(input.locations ? { locations: validLocations } : {}),
          });
        }
      },
    };
  },
});
