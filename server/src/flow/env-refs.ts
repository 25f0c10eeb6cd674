import { ConfigError } from '../errors.ts';

const envRef = /\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}/g;

/**
 * Replaces `${env:NAME}` in every string of a config, so no secret has to live in a flow file.
 * A reference to an unset variable is an error naming the node and the field (`path` in its details).
 */
export function resolveEnvRefs<T>(config: T, nodeId: string, root: string, env: NodeJS.ProcessEnv = process.env): T {
  const walk = (value: unknown, path: string): unknown => {
    if (typeof value === 'string') {
      return value.replace(envRef, (_match, name: string) => {
        const resolved = env[name];
        if (resolved === undefined) {
          throw new ConfigError(`${path} refers to environment variable ${name}, which is not set`, {
            nodeId,
            details: [{ path, message: `refers to environment variable ${name}, which is not set` }],
          });
        }
        return resolved;
      });
    }
    if (Array.isArray(value)) return value.map((item, i) => walk(item, `${path}[${i}]`));
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, walk(item, `${path}.${key}`)]));
    }
    return value;
  };
  return walk(config, root) as T;
}
