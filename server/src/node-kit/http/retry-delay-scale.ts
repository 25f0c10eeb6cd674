/** The environment variable that shortens every retry wait; unset in production. */
export const retryDelayScaleVariable = 'BACKFLOW_RETRY_DELAY_SCALE';

/**
 * The factor each retry wait (backoff or a server's `Retry-After`) is multiplied by: the number in
 * `BACKFLOW_RETRY_DELAY_SCALE` when it is one from 0 to 1, else 1. Test suites set it to run fault
 * storms without waiting real seconds; the decisions stay the server's (a wait past `maxWaitMs`
 * still fails at once). It never lengthens a wait, and anything else (unset, empty, not a number,
 * above 1) leaves waits as they are. Read at each wait, so a test can set and restore it.
 */
export function retryDelayScale(env: NodeJS.ProcessEnv = process.env): number {
  const text = env[retryDelayScaleVariable]?.trim();
  if (!text) return 1;
  const scale = Number(text);
  return Number.isFinite(scale) && scale >= 0 && scale <= 1 ? scale : 1;
}
