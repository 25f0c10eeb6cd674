import type { NodeContext, StreamInfo } from '../../node-kit/contract.ts';
import { type HubspotConnection, hubspotClient, hubspotFailure } from './connection.ts';
import { standardObjects } from './objects.ts';
import { listProperties, objectColumns } from './properties.ts';

/**
 * The objects named and the standard ones (contacts, companies, deals), with their properties as
 * columns from the properties API: what the editor offers for picking objects, fields and mappings.
 */
export async function discoverObjects(
  connection: HubspotConnection,
  objects: readonly string[],
  ctx: NodeContext,
  withAssociations: (object: string) => boolean = () => false,
): Promise<StreamInfo[]> {
  const { api } = hubspotClient(connection, ctx, { retries: 1 });
  return Promise.all(
    [...new Set([...objects, ...standardObjects])].map(async (object) => {
      const properties = await listProperties(api, object).catch((error: unknown) => {
        throw hubspotFailure(error, `node "${ctx.nodeId}": reading the properties of "${object}"`, {
          nodeId: ctx.nodeId,
        });
      });
      const columns = objectColumns(properties);
      if (withAssociations(object)) columns.push({ name: 'associations', type: 'JSON' });
      return { name: object, columns, key: ['id'] };
    }),
  );
}
