import { describe, expect, it } from 'vitest';
import type { BatchInput } from './batch-inputs.ts';
import { refusedInputs } from './write-batch.ts';

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
