import { lazy } from 'react';

/**
 * The generated forms pull in @rjsf and ajv, the bulk of the editor's code: they load when a form
 * is first shown, so the flows list and the canvas open without waiting for them.
 */
export const ConfigForm = lazy(async () => ({ default: (await import('./ConfigForm.tsx')).ConfigForm }));

export const ConnectionsDialog = lazy(async () => ({
  default: (await import('../connections/ConnectionsDialog.tsx')).ConnectionsDialog,
}));
