/**
 * A worker thread's entry: runs the chain it was started with (workerData) on each piece the main
 * thread posts, one piece at a time, and posts back the result with its bytes transferred.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { ChainSpec, PieceTask } from './piece-chain.ts';
import { PieceRunner } from './piece-runner.ts';

const port = parentPort!;
const opening = PieceRunner.open(workerData as ChainSpec);
let queue: Promise<void> = Promise.resolve();

port.on('message', (task: PieceTask) => {
  queue = queue.then(async () => {
    try {
      const result = await (await opening).run(task);
      const buffers = new Set(result.batches.map((batch) => batch.bytes.buffer as ArrayBuffer));
      port.postMessage({ id: task.id, result }, [...buffers]);
    } catch (error) {
      const { message, stack } = error instanceof Error ? error : new Error(String(error));
      port.postMessage({ id: task.id, error: { message, stack } });
    }
  });
});
