import { Worker } from 'node:worker_threads';

/** Set by the supervisor (src/runner/supervise.ts) in the environment of the work process it starts. */
export const WORK_PROCESS_VARIABLE = 'PAPERMAP_WORK_PROCESS';

/**
 * Whether this process does a command's work under a supervisor, which
 * answers Ctrl-C and holds the folder's lock in its own name. Signals then
 * end this process as the system ends any (nothing to clean up: the
 * supervisor says what was kept, and the next run clears what was staged).
 */
export function supervised(): boolean {
  return process.env[WORK_PROCESS_VARIABLE] === '1';
}

/** The supervisor's pid, as this process started under it. */
const SUPERVISOR = process.ppid;

/** Ends this work process at once, as a kill -9 would, when its supervisor is gone: it must not commit a stage nobody waits for. */
export function endIfOrphaned(): void {
  if (supervised() && process.ppid !== SUPERVISOR) process.kill(process.pid, 'SIGKILL');
}

/** Tells the supervisor the line to print if the user interrupts now; nothing when not supervised. */
export function tellSupervisor(interrupted: string): void {
  endIfOrphaned();
  // a supervisor that went meanwhile is no error here: the watch below ends this process
  if (supervised() && process.send && process.connected) process.send({ interrupted }, undefined, {}, () => {});
}

/**
 * Ends this work process as soon as its supervisor is gone (killed with
 * kill -9, say): when its channel closes, and even while the main thread is
 * busy, from a thread of its own that looks every 100 ms. The channel keeps
 * nothing alive.
 */
export function followSupervisor(): void {
  process.channel?.unref();
  process.on('disconnect', () => process.kill(process.pid, 'SIGKILL'));
  const watch = new Worker("const start = process.ppid; setInterval(() => { if (process.ppid !== start) process.kill(process.pid, 'SIGKILL'); }, 100);", {
    eval: true,
  });
  watch.unref();
}
