import { Command } from 'commander';
import type { ConnectionInput, ConnectionView } from '../../service/connections.ts';
import type { ServerClient } from '../server-client.ts';
import { connectionService, UsageError, withStore } from '../store-access.ts';

/** Repeated options, collected. */
const collect = (value: string, previous: string[] = []) => [...previous, value];

function pairs(items: string[] | undefined, option: string): [string, string][] {
  return (items ?? []).map((item) => {
    const at = item.indexOf('=');
    if (at <= 0) throw new UsageError(`${option} takes field=value, got "${item}"`);
    return [item.slice(0, at), item.slice(at + 1)];
  });
}

/** Numbers and booleans as such; everything else as the string given. */
function fieldValue(text: string): unknown {
  return /^-?\d+(\.\d+)?$|^(true|false)$/.test(text) ? JSON.parse(text) : text;
}

/** What the commands need, from the local store or from the server holding it. */
interface Connections {
  list(): Promise<ConnectionView[]>;
  create(input: ConnectionInput): Promise<ConnectionView>;
  update(id: string, input: ConnectionInput): Promise<ConnectionView>;
  remove(id: string): Promise<void>;
  test(id: string): Promise<{ durationMs: number }>;
}

function remote(client: ServerClient): Connections {
  return {
    list: () => client.json('GET', '/api/connections'),
    create: (input) => client.json('POST', '/api/connections', input),
    update: (id, input) => client.json('PUT', `/api/connections/${id}`, input),
    remove: async (id) => {
      await client.request('DELETE', `/api/connections/${id}`);
    },
    test: (id) => client.json('POST', `/api/connections/${id}/test`),
  };
}

function withConnections<T>(work: (connections: Connections) => Promise<T>): Promise<T> {
  return withStore(
    async (store) => {
      const service = await connectionService(store);
      return work({
        list: () => service.list(),
        create: (input) => service.create(input),
        update: (id, input) => service.update(id, input),
        remove: (id) => service.delete(id),
        test: (id) => service.test(id),
      });
    },
    (client) => work(remote(client)),
  );
}

async function find(connections: Connections, name: string): Promise<ConnectionView | undefined> {
  return (await connections.list()).find((c) => c.name === name);
}

async function named(connections: Connections, name: string): Promise<ConnectionView> {
  const found = await find(connections, name);
  if (!found) throw new UsageError(`no stored connection is named "${name}"`);
  return found;
}

/**
 * `backflow connections`: stored connections from a terminal, against the local store or the server
 * holding it. Secret fields are read from environment variables (`--secret-env password=PG_PASSWORD`),
 * never from the command line, where shell history and process listings would keep them.
 */
export function connectionsCommand(): Command {
  const command = new Command('connections').description('list, add, test and remove stored connections');

  command
    .command('list')
    .description('stored connections (secret fields only say that they are set)')
    .option('--json', 'print as JSON')
    .action(async (options: { json?: boolean }) => {
      const views = await withConnections((connections) => connections.list());
      if (options.json) console.log(JSON.stringify(views));
      else
        console.table(views.map((v) => ({ name: v.name, type: v.type, ...v.config, secrets: v.secretsSet.join(' ') })));
    });

  command
    .command('add')
    .description('store a connection, or replace one with --replace')
    .argument('<name>')
    .requiredOption('--type <connector>', 'the connector, e.g. duckdb or gcs (see GET /api/connection-types)')
    .option('--set <field=value>', 'a field (repeat for more)', collect)
    .option('--secret-env <field=VARIABLE>', 'a secret field, read from an environment variable (repeat)', collect)
    .option('--replace', 'replace a connection of that name')
    .action(
      async (name: string, options: { type: string; set?: string[]; secretEnv?: string[]; replace?: boolean }) => {
        const config: Record<string, unknown> = {};
        for (const [field, value] of pairs(options.set, '--set')) config[field] = fieldValue(value);
        for (const [field, variable] of pairs(options.secretEnv, '--secret-env')) {
          const value = process.env[variable];
          if (value === undefined) throw new UsageError(`--secret-env ${field}=${variable}: ${variable} is not set`);
          config[field] = value;
        }
        const input: ConnectionInput = { name, type: options.type, config };
        const view = await withConnections(async (connections) => {
          const existing = await find(connections, name);
          if (existing && !options.replace) throw new UsageError(`a connection named "${name}" exists; add --replace`);
          return existing ? connections.update(existing.id, input) : connections.create(input);
        });
        const secrets = view.secretsSet.length > 0 ? ` (secrets: ${view.secretsSet.join(', ')})` : '';
        console.log(`stored ${view.type} connection ${view.name}${secrets}`);
      },
    );

  command
    .command('test')
    .description("run the connector's check against a stored connection (moves no data)")
    .argument('<name>')
    .action(async (name: string) => {
      const result = await withConnections(async (connections) =>
        connections.test((await named(connections, name)).id),
      );
      console.log(`connection ${name} works (${result.durationMs} ms)`);
    });

  command
    .command('remove')
    .description('delete a stored connection')
    .argument('<name>')
    .action(async (name: string) => {
      await withConnections(async (connections) => connections.remove((await named(connections, name)).id));
      console.log(`removed connection ${name}`);
    });

  return command;
}
