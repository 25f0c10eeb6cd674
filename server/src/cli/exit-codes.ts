/** Exit codes: 0 succeeded, 1 the run failed or was cancelled, 2 the flow or the command line is invalid. */
export const exit = { ok: 0, failed: 1, invalid: 2 } as const;
