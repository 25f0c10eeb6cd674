/**
 * How a database connector is told where its database is: a URL, or host / port / user / password /
 * database fields (any of which a stored connection may supply), and how that place is shown to a
 * user: never with its password.
 */

import { Type } from '@sinclair/typebox';
import { BackflowError, ConfigError, errorMessage, SourceError } from '../../errors.ts';
import { redactUrlPasswords as redactUrl } from '../url-redaction.ts';

/** The config fields a stored connection of a database connector supplies. */
export const connectionFields = ['url', 'host', 'port', 'user', 'password', 'database'] as const;

/** The connection fields of a database node's config schema (spread into its `Type.Object`). */
export function connectionProperties(system: { name: string; defaultPort: number; urlExample: string }) {
  return {
    url: Type.Optional(
      Type.String({
        minLength: 1,
        writeOnly: true,
        title: 'URL',
        description: `Connection URL, e.g. ${system.urlExample}; may be \${env:NAME}. Fields below override its parts.`,
      }),
    ),
    host: Type.Optional(Type.String({ minLength: 1, title: 'Host' })),
    port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535, title: 'Port', default: system.defaultPort })),
    user: Type.Optional(Type.String({ minLength: 1, title: 'User' })),
    password: Type.Optional(Type.String({ writeOnly: true, title: 'Password' })),
    database: Type.Optional(Type.String({ minLength: 1, title: 'Database' })),
  };
}

/** A connection as a config holds it. */
export interface ConnectionConfig {
  url?: string;
  host?: string;
  port?: number;
  user?: string;
  password?: string;
  database?: string;
}

/** Where to connect, the URL's parts merged with the fields (the fields win). */
export interface ConnectionTarget {
  host: string;
  port: number;
  user?: string;
  password?: string;
  database?: string;
  /** URL query parameters (e.g. `sslmode`), as given. */
  options: Record<string, string>;
}

/**
 * Resolves a config's connection. Throws a plain Error (the caller makes it a ConfigError with its
 * node id) whose message never holds the password.
 */
export function connectionTarget(
  config: ConnectionConfig,
  system: { protocols: readonly string[]; defaultPort: number },
): ConnectionTarget {
  let fromUrl: Partial<ConnectionTarget> & { options: Record<string, string> } = { options: {} };
  if (config.url !== undefined) {
    let url: URL;
    try {
      url = new URL(config.url);
    } catch {
      throw new Error(`the URL ${redactUrl(config.url)} cannot be parsed`);
    }
    const protocol = url.protocol.replace(/:$/, '');
    if (!system.protocols.includes(protocol)) {
      throw new Error(
        `the URL must start with ${system.protocols.map((p) => `${p}://`).join(' or ')}, not ${protocol}://`,
      );
    }
    const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
    fromUrl = {
      ...(url.hostname ? { host: url.hostname.replace(/^\[|\]$/g, '') } : {}),
      ...(url.port ? { port: Number(url.port) } : {}),
      ...(url.username ? { user: decodeURIComponent(url.username) } : {}),
      ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
      ...(database ? { database } : {}),
      options: Object.fromEntries(url.searchParams),
    };
  }
  const host = config.host ?? fromUrl.host;
  if (host === undefined) throw new Error('give a url or a host to connect to');
  const user = config.user ?? fromUrl.user;
  const password = config.password ?? fromUrl.password;
  const database = config.database ?? fromUrl.database;
  return {
    host,
    port: config.port ?? fromUrl.port ?? system.defaultPort,
    ...(user === undefined ? {} : { user }),
    ...(password === undefined ? {} : { password }),
    ...(database === undefined ? {} : { database }),
    options: fromUrl.options,
  };
}

/** A connection as a user may see it: `postgres://app:***@db:5432/shop`, the password never shown. */
export function describeConnection(target: ConnectionTarget, protocol: string): string {
  const user = target.user === undefined ? '' : `${encodeURIComponent(target.user)}${target.password ? ':***' : ''}@`;
  const host = target.host.includes(':') ? `[${target.host}]` : target.host;
  return `${protocol}://${user}${host}:${target.port}/${target.database ?? ''}`;
}

/**
 * Text safe to show: every secret of the connection (the password, raw and URL-encoded, and the URL)
 * replaced, and any URL's password masked. For error messages built from a driver's.
 */
export function withoutSecrets(text: string, config: ConnectionConfig): string {
  let safe = config.url ? text.replaceAll(config.url, redactUrl(config.url)) : text;
  const secrets = [config.password, config.password && encodeURIComponent(config.password)];
  if (config.url) {
    try {
      const password = new URL(config.url).password;
      if (password) secrets.push(password, decodeURIComponent(password));
    } catch {
      // An unparsable URL has no password part to look for.
    }
  }
  for (const secret of secrets) {
    if (secret) safe = safe.replaceAll(secret, '***');
  }
  return redactUrl(safe);
}

/** A config's connection for a node; a config that names none (or an unparsable URL) is a ConfigError without the password. */
export function nodeConnectionTarget(
  config: ConnectionConfig,
  system: { protocols: readonly string[]; defaultPort: number },
  nodeId: string,
): ConnectionTarget {
  try {
    return connectionTarget(config, system);
  } catch (error) {
    const message = withoutSecrets(errorMessage(error), config);
    throw new ConfigError(`node "${nodeId}": ${message}`, { nodeId, details: [{ path: 'config.url', message }] });
  }
}

/** A refused connection (host down, wrong password, no such database) as a ConfigError a user can act on. */
export function connectionRefused(
  error: unknown,
  config: ConnectionConfig,
  where: string,
  nodeId: string,
): ConfigError {
  const message = withoutSecrets(errorMessage(error), config);
  return new ConfigError(`node "${nodeId}": cannot connect to ${where}: ${message}`, {
    nodeId,
    details: [{ path: 'config', message }],
  });
}

/** A driver error while reading as a typed SourceError naming the node (and stream), the password never in it. */
export function sourceFailure(
  error: unknown,
  config: ConnectionConfig,
  nodeId: string,
  stream?: string,
): BackflowError {
  if (error instanceof BackflowError) return error;
  const message = withoutSecrets(errorMessage(error), config);
  return new SourceError(`node "${nodeId}": ${stream ? `reading ${stream} failed: ` : ''}${message}`, {
    nodeId,
    ...(stream ? { stream } : {}),
  });
}
