/**
 * Preloaded into a `backflow` process by the database kill tests (`NODE_OPTIONS=--import=…`, see
 * `holdAtSql` in support.ts): the `count`-th statement sent to PostgreSQL whose text matches
 * BACKFLOW_TEST_HOLD_SQL is never sent, so the run stays at a known point (mid-load, or at the
 * index phase) with everything before it durable, until the test kills the process. Without it a
 * kill races the migration on a fast (or busy) machine. Plain JavaScript: it loads before the CLI
 * registers its TypeScript loader.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const pattern = process.env.BACKFLOW_TEST_HOLD_SQL;
if (pattern) {
  const matcher = new RegExp(pattern, 'i');
  const count = Number(process.env.BACKFLOW_TEST_HOLD_AFTER ?? '1');
  // The server's own `pg`, so the patched class is the one its modules use.
  const serverRequire = createRequire(
    path.join(path.dirname(fileURLToPath(import.meta.url)), '../../server/package.json'),
  );
  const { Client } = serverRequire('pg');
  const query = Client.prototype.query;
  let seen = 0;
  Client.prototype.query = function held(config, ...rest) {
    const text = typeof config === 'string' ? config : (config?.text ?? '');
    if (matcher.test(text)) {
      seen += 1;
      if (seen === count) {
        process.stderr.write(`hold-sql: holding ${text.slice(0, 80).replace(/\s+/g, ' ')}\n`);
        return new Promise(() => undefined);
      }
    }
    return query.call(this, config, ...rest);
  };
}
