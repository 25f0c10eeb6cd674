import { describe, expect, it } from 'vitest';
import { checkDestinationConfig, type SalesforceDestinationConfig, syncKeyOf } from './destination-config.ts';

const config = (extra: Partial<SalesforceDestinationConfig>): SalesforceDestinationConfig => ({
  clientId: 'client',
  clientSecret: 'secret',
  object: 'Account',
  mode: 'upsert',
  ...extra,
});

describe('salesforce.destination config', () => {
  it('asks a mirror for its external ID field, refuses a mirror with an ID map at mode, and mirrorScope all without a mirror', () => {
    expect(checkDestinationConfig(config({ mode: 'mirror' })).map((issue) => issue.path)).toEqual(['externalIdField']);
    expect(
      checkDestinationConfig(
        config({ mode: 'mirror', externalIdField: 'External_Id__c', idMap: { sourceId: 'Id' } }),
      ).map((issue) => issue.path),
    ).toEqual(['mode']);
    expect(
      checkDestinationConfig(config({ externalIdField: 'External_Id__c', mirrorScope: 'all' })).map(
        (issue) => issue.path,
      ),
    ).toEqual(['mirrorScope']);
    // The schema fills in the default scope: "flow" on any mode is no issue.
    expect(checkDestinationConfig(config({ mode: 'update', mirrorScope: 'flow' }))).toEqual([]);
    expect(
      checkDestinationConfig(config({ mode: 'mirror', externalIdField: 'External_Id__c', mirrorScope: 'all' })),
    ).toEqual([]);
  });

  it('diffs upsert and mirror by the external ID field and update by Id, never an insert or a migration', () => {
    expect(syncKeyOf(config({ externalIdField: 'External_Id__c' }))).toEqual(['External_Id__c']);
    expect(syncKeyOf(config({ mode: 'mirror', externalIdField: 'External_Id__c' }))).toEqual(['External_Id__c']);
    expect(syncKeyOf(config({ mode: 'update' }))).toEqual(['Id']);
    expect(syncKeyOf(config({ mode: 'insert', externalIdField: 'External_Id__c' }))).toBeUndefined();
    expect(syncKeyOf(config({ externalIdField: 'External_Id__c', idMap: { sourceId: 'Id' } }))).toBeUndefined();
  });
});
