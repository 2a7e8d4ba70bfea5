import { join } from 'node:path';
import { type ResourceLimits, Worker } from 'node:worker_threads';
import type { Progress } from './progress.js';
import { PACKAGE_ROOT } from './version.js';

/** A worker module's compiled file: tests run src/ through vitest, which cannot start a TypeScript worker, and build dist/ first. */
export function workerFile(...path: string[]): string {
  return join(PACKAGE_ROOT, 'dist', 'src', ...path);
}

/**
 * Runs a worker thread on `data`, its progress told to `progress` and
 * anything else it posts to `onMessage` as it comes; resolves to the last
 * thing it posted once it has exited.
 */
export function inWorker<T>(
  file: string,
  data: unknown,
  progress?: Progress,
  onMessage?: (message: T) => void,
  resourceLimits?: ResourceLimits,
): Promise<T | undefined> {
  return startWorker(file, data, progress, onMessage, resourceLimits).exited;
}

/** inWorker, with the worker at hand to post to while it runs. */
export function startWorker<T>(
  file: string,
  data: unknown,
  progress?: Progress,
  onMessage?: (message: T) => void,
  resourceLimits?: ResourceLimits,
): { worker: Worker; exited: Promise<T | undefined> } {
  const worker = new Worker(file, { workerData: data, resourceLimits });
  const exited = new Promise<T | undefined>((resolve, reject) => {
    let answer: T | undefined;
    worker.on('message', (message: T | { progress: number }) => {
      if (message !== null && typeof message === 'object' && 'progress' in message) progress?.advance(message.progress);
      else {
        answer = message as T;
        onMessage?.(answer);
      }
    });
    worker.on('error', reject);
    worker.on('exit', (code) => (code === 0 ? resolve(answer) : reject(new Error(`a worker thread (${file}) stopped with exit code ${code}`))));
  });
  return { worker, exited };
}
