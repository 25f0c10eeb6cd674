import { describe, expect, it } from 'vitest';
import { checkDestinationConfig, type HubspotDestinationConfig, syncKeyOf } from './destination-config.ts';

const base = { token: 'pat', object: 'contacts' } as const;
const config = (extra: Partial<HubspotDestinationConfig>): HubspotDestinationConfig =>
  ({ ...base, mode: 'upsert', ...extra }) as HubspotDestinationConfig;

describe('hubspot.destination config', () => {
  it('asks a mirror for a unique idProperty, refuses a mirror with an ID map at mode, and mirrorScope all without a mirror', () => {
    expect(checkDestinationConfig(config({ mode: 'mirror' })).map((issue) => issue.path)).toEqual(['idProperty']);
    expect(checkDestinationConfig(config({ mode: 'mirror', idProperty: 'hs_object_id' }))[0]?.path).toBe('idProperty');
    expect(
      checkDestinationConfig(config({ mode: 'mirror', idProperty: 'email', idMap: { sourceId: 'Id' } })).map(
        (issue) => issue.path,
      ),
    ).toEqual(['mode']);
    expect(
      checkDestinationConfig(config({ idProperty: 'email', mirrorScope: 'all' })).map((issue) => issue.path),
    ).toEqual(['mirrorScope']);
    // The schema fills in the default scope: "flow" on any mode is no issue.
    expect(checkDestinationConfig(config({ idProperty: 'email', mirrorScope: 'flow' }))).toEqual([]);
    expect(checkDestinationConfig(config({ mode: 'mirror', idProperty: 'email', mirrorScope: 'all' }))).toEqual([]);
  });

  it('diffs upsert, mirror and update by the key they match records by, never an insert or a migration', () => {
    expect(syncKeyOf(config({ idProperty: 'email' }))).toEqual(['email']);
    expect(syncKeyOf(config({ mode: 'mirror', idProperty: 'email' }))).toEqual(['email']);
    expect(syncKeyOf(config({ mode: 'update', idProperty: 'email' }))).toEqual(['email']);
    expect(syncKeyOf(config({ mode: 'update' }))).toEqual(['id']);
    expect(syncKeyOf(config({ mode: 'insert', idProperty: 'email' }))).toBeUndefined();
    expect(syncKeyOf(config({ idProperty: 'email', idMap: { sourceId: 'Id' } }))).toBeUndefined();
  });
});
