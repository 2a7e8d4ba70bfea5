/**
 * Stopping the index stage's worker threads cleanly. A signal (Ctrl-C, a CI
 * job's cancel) ends the process, which stops its worker threads, and a
 * thread stopped inside an hnswlib call makes hnswlib abort the process: a
 * fatal error and a native stack in place of papermap's one line and exit
 * code. So while workers run, the main thread answers a signal first: it asks
 * them to stop and waits until none is at work; they look between two
 * hnswlib calls and leave by an exception.
 */

/** Slots of the control array the main thread shares with its workers. */
const STOP = 0;
const AT_WORK = 1;
const SIGNALS = ['SIGINT', 'SIGTERM'] as const;
/** Longest wait for the workers: loading or saving an index of a million papers takes a few seconds. */
const WAIT_MS = 30_000;

/** Runs `work` with a control array for its workers, answering SIGINT and SIGTERM first by stopping them. */
export async function stoppable<T>(work: (control: Int32Array) => Promise<T>): Promise<T> {
  const { control, release } = stopOnSignal();
  try {
    return await work(control);
  } finally {
    release();
  }
}

/** stoppable's answer to SIGINT and SIGTERM, from now until release(): for workers whose work is not one call. */
export function stopOnSignal(): { control: Int32Array; release: () => void } {
  const control = new Int32Array(new SharedArrayBuffer(8));
  const stop = () => {
    askToStop(control);
    const deadline = Date.now() + WAIT_MS;
    for (let busy = Atomics.load(control, AT_WORK); busy > 0 && Date.now() < deadline; busy = Atomics.load(control, AT_WORK)) {
      Atomics.wait(control, AT_WORK, busy, deadline - Date.now());
    }
  };
  // prepended: the runner's own listener then prints its line and exits, the workers out of hnswlib
  for (const signal of SIGNALS) process.prependListener(signal, stop);
  return { control, release: () => SIGNALS.forEach((signal) => process.off(signal, stop)) };
}

/** Asks the workers of `control` to stop, without waiting: for the main thread when their work is no longer wanted. */
export function askToStop(control: Int32Array): void {
  Atomics.store(control, STOP, 1);
}

/** The control of the worker this code runs in; none in the main thread. */
let control: Int32Array | undefined;

/** A worker's job: counted at work while it runs, with checkStop heeding the main thread. */
export function atWork(shared: Int32Array, job: () => void): void {
  control = shared;
  Atomics.add(control, AT_WORK, 1);
  try {
    checkStop();
    job();
  } finally {
    Atomics.sub(control, AT_WORK, 1);
    Atomics.notify(control, AT_WORK);
  }
}

/** Called between hnswlib calls: leaves a worker's job when the main thread asked it to stop. */
export function checkStop(): void {
  if (control && Atomics.load(control, STOP) !== 0) throw new Error('stopped: the process is ending');
}
