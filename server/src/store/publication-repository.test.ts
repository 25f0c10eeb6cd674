import { afterEach, describe, expect, it } from 'vitest';
import { closeTempStores, openTempStore } from '../testing/temp-store.ts';

afterEach(closeTempStores);

describe('PublicationRepository', () => {
  it('keeps which destinations published, each once, per run', async () => {
    const { store } = await openTempStore();
    await store.publications.add('r', 'table');
    await store.publications.add('r', 'table');
    await store.publications.add('r', 'archive');
    expect([...(await store.publications.destinations('r'))].sort()).toEqual(['archive', 'table']);
    expect(await store.publications.destinations('other')).toEqual(new Set());
  });
});
