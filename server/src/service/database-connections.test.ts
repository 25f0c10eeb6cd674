/**
 * `postgres` and `mysql` connections come from their node types' connectionFields like every
 * connection kind: the URL and the password are writeOnly, so they are sealed in the store, never
 * returned, and a URL that reaches a message shows its password as `***`.
 */
import { randomBytes } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import { afterEach, describe, expect, it } from 'vitest';
import { defineDestination, defineSource } from '../node-kit/contract.ts';
import { createCatalog } from '../nodes/registry.ts';
import { Redactor } from '../secrets/redactor.ts';
import { SecretBox } from '../secrets/secret-box.ts';
import { closeTempStores, openTempStore } from '../testing/temp-store.ts';
import { ConnectionService, connectionTypes } from './connections.ts';

/** The connection fields the database connectors declare (see /tmp spec: url or host/port/user/password/database). */
const connection = {
  url: Type.Optional(Type.String({ writeOnly: true, title: 'URL' })),
  host: Type.Optional(Type.String({ title: 'Host' })),
  port: Type.Optional(Type.Integer({ title: 'Port' })),
  user: Type.Optional(Type.String({ title: 'User' })),
  password: Type.Optional(Type.String({ writeOnly: true, title: 'Password' })),
  database: Type.Optional(Type.String({ title: 'Database' })),
};
const connectionFields = ['url', 'host', 'port', 'user', 'password', 'database'];

const databaseTypes = ['postgres', 'mysql'].flatMap((system) => [
  defineSource({
    type: `${system}.source`,
    title: `${system === 'postgres' ? 'PostgreSQL' : 'MySQL'} source`,
    description: 'test double with the real connection fields',
    config: Type.Object({ ...connection, table: Type.Optional(Type.String()) }),
    connectionFields,
    outputs: [{ name: 'records', kind: 'records' }],
    async *read() {},
  }),
  defineDestination({
    type: `${system}.destination`,
    title: `${system === 'postgres' ? 'PostgreSQL' : 'MySQL'} destination`,
    description: 'test double with the real connection fields',
    config: Type.Object({ ...connection, table: Type.Optional(Type.String()) }),
    connectionFields,
    publishes: 'staged',
    inputs: [{ name: 'records', kind: 'records' }],
    async open() {
      throw new Error('not used');
    },
  }),
]);
const catalog = createCatalog(databaseTypes);

afterEach(closeTempStores);

describe('postgres and mysql connections', () => {
  it('are connection kinds whose URL and password are secret fields', () => {
    const kinds = connectionTypes(catalog);
    expect(kinds.map((kind) => [kind.type, kind.title, kind.secretFields])).toEqual([
      ['postgres', 'PostgreSQL', ['url', 'password']],
      ['mysql', 'MySQL', ['url', 'password']],
    ]);
    expect(Object.keys(kinds[0]!.config.properties as object)).toEqual(connectionFields);
  });

  it('seal the URL and password in the store, never return them, and mask a URL password in any message', async () => {
    const { store } = await openTempStore();
    const redactor = new Redactor();
    const service = new ConnectionService({
      store,
      catalog,
      box: new SecretBox(randomBytes(32)),
      redactor,
      baseDir: process.cwd(),
    });
    const url = 'postgres://app:S3cr3t-pw@db.internal:5432/shop';
    const view = await service.create({
      name: 'shop',
      type: 'postgres',
      config: { url, host: 'db.internal', port: 5432, user: 'app', password: 'An0ther-pw', database: 'shop' },
    });
    expect(view).toMatchObject({
      config: { host: 'db.internal', port: 5432, user: 'app', database: 'shop' },
      secretsSet: ['password', 'url'],
    });
    expect(JSON.stringify(await service.list())).not.toMatch(/S3cr3t|An0ther/);
    const stored = JSON.stringify(await store.connections.list());
    expect(stored).not.toMatch(/S3cr3t|An0ther|db\.internal:5432\/shop/);
    expect((await service.resolved()).get('shop')?.config).toMatchObject({ url, password: 'An0ther-pw' });
    // Known secrets are blanked; any other URL's password reads ***.
    expect(redactor.redact(`connect to ${url} failed`)).toBe(
      'connect to postgres://app:***@db.internal:5432/shop failed',
    );
    expect(redactor.redact('password An0ther-pw refused')).toBe('password [redacted] refused');
    expect(redactor.redact('mysql://root:hunter22@127.0.0.1:3306/test')).toBe('mysql://root:***@127.0.0.1:3306/test');
  });
});
