import { randomBytes } from 'node:crypto';
import { linkSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../shared/errors.js';
import { notice } from '../shared/progress.js';
import { supervised } from '../shared/supervised.js';

const LOCK_FILE = '.papermap.lock';

interface Holder {
  pid: number;
  host: string;
  since: string;
}

/** Whether a process of this host is running. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readHolder(path: string): Holder | undefined {
  try {
    const value = JSON.parse(readFileSync(path, 'utf8')) as Partial<Holder>;
    return typeof value.pid === 'number' && typeof value.host === 'string' && typeof value.since === 'string' ? (value as Holder) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Takes the output folder's lock, so that two papermaps never write the same
 * folder. The lock file is created whole in one step (a hard link of a
 * finished temp file), so a reader never sees it half-written. A lock whose
 * process is gone (killed, machine restarted) is taken over with a notice.
 * Returns the function that releases it.
 */
export function lockFolder(out: string): () => void {
  const path = join(out, LOCK_FILE);
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  // under a supervisor the lock is held in its name: it outlives this process when it has to end it
  const pid = supervised() ? process.ppid : process.pid;
  writeFileSync(temp, JSON.stringify({ pid, host: hostname(), since: new Date().toISOString() }) + '\n');
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        linkSync(temp, path);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw error;
      }
      const holder = readHolder(path);
      if (holder && (holder.host !== hostname() || alive(holder.pid))) {
        throw new UserError(
          `${out} is in use by another papermap (pid ${holder.pid} on ${holder.host}, since ${holder.since}): wait for it to finish; if no papermap is running there, delete ${path}`,
        );
      }
      notice(`taking over ${path}, left by a papermap that stopped (${holder ? `pid ${holder.pid}` : 'unreadable lock'})`);
      rmSync(path, { force: true });
    }
  } finally {
    rmSync(temp, { force: true });
  }
  let held = true;
  const release = () => {
    if (held) rmSync(path, { force: true });
    held = false;
    // a process that writes many folders (serve, the tests) leaves no listener behind per lock
    process.removeListener('exit', release);
  };
  process.once('exit', release);
  return release;
}

/** Removes the lock of the folder if the process `pid` of this host holds it (a supervisor whose work process it ended). */
export function releaseLockOf(out: string, pid: number): void {
  const path = join(out, LOCK_FILE);
  const holder = readHolder(path);
  if (holder?.pid === pid && holder.host === hostname()) rmSync(path, { force: true });
}
