/**
 * The run log as nodes write it: `ctx.log.info(message, fields)` goes through pino, whose `redact`
 * paths blank secret-named fields (a token, a password, an Authorization header) at any of the
 * first two levels, and lands in the run's log with its fields. The store then also replaces any
 * known secret value (the redactor), so a secret logged under an innocent name is caught too.
 */
import type { Logger } from '../node-kit/contract.ts';
import { lazyPackage } from '../node-kit/lazy-package.ts';
import type { RunRecorder } from './checkpoint.ts';

const secretNames = [
  'password',
  'passphrase',
  'token',
  'accessToken',
  'access_token',
  'refreshToken',
  'refresh_token',
  'apiKey',
  'api_key',
  'secret',
  'clientSecret',
  'client_secret',
  'privateKey',
  'private_key',
  'credentials',
  'authorization',
  'Authorization',
  'cookie',
  'encryptionKey',
];

/** Field paths pino blanks: a secret name at the top level, one level down, and in any headers object. */
export const secretLogPaths = secretNames.flatMap((name) => [name, `*.${name}`, `*.headers.${name}`]);

type Level = 'info' | 'warn' | 'error';

/** Loaded by the first run, not at every start of the CLI (validate, node-types log nothing). */
const pinoPackage = lazyPackage<typeof import('pino')>('pino');

/** A run's loggers: one per node (or the run's own), each line stored with the node id and its fields. */
export function createRunLog(recorder: RunRecorder, runId: string): (nodeId?: string) => Logger {
  const { pino } = pinoPackage();
  const root = pino(
    {
      base: null,
      timestamp: false,
      redact: { paths: secretLogPaths, censor: '[redacted]' },
      formatters: { level: (label) => ({ level: label }) },
    },
    {
      write(line: string) {
        const { level, msg, nodeId, ...fields } = JSON.parse(line) as {
          level: Level;
          msg: string;
          nodeId?: string;
        } & Record<string, unknown>;
        recorder.log(runId, level, msg, nodeId, Object.keys(fields).length > 0 ? fields : undefined);
      },
    },
  );
  return (nodeId) => {
    const logger = nodeId ? root.child({ nodeId }) : root;
    return {
      info: (message, fields) => logger.info(fields ?? {}, message),
      warn: (message, fields) => logger.warn(fields ?? {}, message),
      error: (message, fields) => logger.error(fields ?? {}, message),
    };
  };
}
