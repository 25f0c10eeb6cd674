// The worker thread's entry when there is no compiled bundle: loads tsx first, as bin/backflow.js does.
import { register } from 'tsx/esm/api';

register();
await import('./piece-worker.ts');
