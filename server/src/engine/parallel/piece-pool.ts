import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ChainSpec, PieceResult, PieceTask } from './piece-chain.ts';

/**
 * Where the worker's code is: the compiled bundle's entry when this code runs from one (the build
 * defines BACKFLOW_BUNDLE_DIR), else the TypeScript source, loaded through tsx.
 */
function workerEntry(): URL {
  const bundleDir = process.env.BACKFLOW_BUNDLE_DIR;
  const bundled = bundleDir && path.join(bundleDir, 'piece-worker.js');
  // A long-running server's build may have been replaced and removed since it started.
  if (bundled && existsSync(bundled)) return pathToFileURL(bundled);
  return new URL('./piece-worker-source.mjs', import.meta.url);
}

interface Waiting {
  resolve(result: PieceResult): void;
  reject(error: Error): void;
}

/** One worker thread running a chain, and the pieces it was given that it has not answered yet. */
class ChainWorker {
  private readonly worker: Worker;
  private readonly waiting = new Map<number, Waiting>();
  private failure?: Error;

  constructor(spec: ChainSpec) {
    this.worker = new Worker(workerEntry(), { workerData: spec, execArgv: [] });
    // It must never keep a process alive that has nothing else to do.
    this.worker.unref();
    this.worker.on('message', (message: { id: number; result?: PieceResult; error?: { message: string } }) => {
      const waiting = this.waiting.get(message.id);
      this.waiting.delete(message.id);
      if (message.result) waiting?.resolve(message.result);
      else waiting?.reject(new Error(message.error?.message ?? 'the worker thread failed'));
    });
    this.worker.on('error', (error) => this.fail(error));
    this.worker.on('exit', (code) => this.fail(new Error(`the worker thread exited (code ${code})`)));
  }

  run(task: PieceTask): Promise<PieceResult> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiting.set(task.id, { resolve, reject });
      this.worker.postMessage(task, [task.bytes.buffer as ArrayBuffer]);
    });
  }

  async close(): Promise<void> {
    this.failure ??= new Error('the worker threads were closed');
    await this.worker.terminate();
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const waiting of this.waiting.values()) waiting.reject(this.failure);
    this.waiting.clear();
  }
}

/**
 * Worker threads running one chain, given pieces in turn. Results come back as promises, awaited in
 * the order the pieces were cut, so what the chain writes stays in file order.
 */
export class PiecePool {
  private readonly workers: ChainWorker[];
  private next = 0;

  constructor(spec: ChainSpec, size: number) {
    this.workers = Array.from({ length: size }, () => new ChainWorker(spec));
  }

  /** Pieces worth having in flight: two a worker, so none waits for the next while one is handed back. */
  get capacity(): number {
    return this.workers.length * 2;
  }

  run(task: PieceTask): Promise<PieceResult> {
    const worker = this.workers[this.next]!;
    this.next = (this.next + 1) % this.workers.length;
    return worker.run(task);
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.close()));
  }
}
