import { describe, expect, it } from 'vitest';
import type { BatchInput } from './batch-inputs.ts';
import { refusedInputs, savedInputs } from './write-batch.ts';

const inputs: BatchInput[] = ['a@x.io', 'B@x.io', 'c@x.io'].map((email, index) => ({
  id: email,
  idProperty: 'email',
  properties: { email },
  objectWriteTraceId: String(index),
}));

describe('refusedInputs', () => {
  it('ties each error of a 207 to its inputs by trace id, or by the ids it names (case aside)', () => {
    const refused = refusedInputs(
      {
        status: 'COMPLETE',
        results: [],
        errors: [
          {
            category: 'VALIDATION_ERROR',
            message: 'Property values were not valid',
            errors: [{ message: 'Email address a@x is invalid', context: { propertyName: ['email'] } }],
            context: { objectWriteTraceId: ['0'] },
          },
          { category: 'OBJECT_NOT_FOUND', message: 'Could not get some CONTACT objects', context: { ids: ['b@x.io'] } },
        ],
      },
      inputs,
      'contacts',
      'upsert',
    );
    expect(refused.map(({ input, reason }) => [input.objectWriteTraceId, reason])).toEqual([
      ['0', 'VALIDATION_ERROR: Property values were not valid (Email address a@x is invalid)'],
      ['1', 'OBJECT_NOT_FOUND: Could not get some CONTACT objects'],
    ]);
  });

  it('gives an error naming no input to the inputs the answer does not list as written', () => {
    const refused = refusedInputs(
      {
        results: [{ id: '1', properties: {}, createdAt: '', updatedAt: '', objectWriteTraceId: '1' }],
        errors: [{ category: 'CONFLICT', message: 'Contact already exists. Existing ID: 7' }],
      },
      inputs,
      'contacts',
      'create',
    );
    expect(refused.map(({ input }) => input.objectWriteTraceId).sort()).toEqual(['0', '2']);
  });

  it('fails rather than guesses when errors name no input and the results cannot tell', () => {
    expect(() =>
      refusedInputs({ results: [], errors: [{ message: 'Something went wrong' }] }, inputs, 'contacts', 'update'),
    ).toThrow(/name no record/);
  });

  it('finds nothing refused in an answer without errors', () => {
    expect(refusedInputs({ status: 'COMPLETE', results: [] }, inputs, 'contacts', 'upsert')).toEqual([]);
    expect(refusedInputs(undefined, inputs, 'contacts', 'upsert')).toEqual([]);
  });
});

describe('savedInputs', () => {
  const result = (id: string, email: string, extra: object = {}) => ({
    id,
    properties: { email },
    createdAt: '2026-01-01T00:00:00Z',
    updatedAt: '2026-01-01T00:00:00Z',
    ...extra,
  });

  it('ties results to inputs by trace id, in whatever order HubSpot lists them', () => {
    const saved = savedInputs(
      {
        results: [
          result('12', 'c@x.io', { objectWriteTraceId: '2', new: true }),
          result('10', 'a@x.io', { objectWriteTraceId: '0' }),
        ],
      },
      inputs,
      'upsert',
    );
    expect(saved.map(({ input, result }) => [input.objectWriteTraceId, result.id, result.new])).toEqual([
      ['2', '12', true],
      ['0', '10', undefined],
    ]);
  });

  it('without trace ids: an upsert by its key (case aside), an update by its id, a create by its place', () => {
    expect(savedInputs({ results: [result('11', 'b@x.io')] }, inputs, 'upsert').map(({ input }) => input.id)).toEqual([
      'B@x.io',
    ]);
    const byId = inputs.map((input, index) => ({
      properties: input.properties,
      id: String(20 + index),
      objectWriteTraceId: input.objectWriteTraceId,
    }));
    expect(savedInputs({ results: [result('21', 'b@x.io')] }, byId, 'update').map(({ input }) => input.id)).toEqual([
      '21',
    ]);
    const creates = inputs.map(({ properties, objectWriteTraceId }) => ({ properties, objectWriteTraceId }));
    expect(
      savedInputs(
        { results: [result('30', 'a@x.io'), result('31', 'c@x.io')] },
        [creates[0]!, creates[2]!],
        'create',
      ).map(({ input }) => input.properties.email),
    ).toEqual(['a@x.io', 'c@x.io']);
  });
});
