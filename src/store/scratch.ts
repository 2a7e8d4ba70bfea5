import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { alive } from './lock.js';

/** What papermap keeps scratch folders in the temp folder for: a LanceDB store's working copy, an index task's vectors and index, the parts of an index being loaded, a cluster task's fit. */
const PURPOSES = ['lance', 'index-task', 'index-parts', 'cluster-task'] as const;
export type ScratchPurpose = (typeof PURPOSES)[number];

const LEFT_BEHIND = new RegExp(`^papermap-(?:${PURPOSES.join('|')})-(\\d+)-`);

/**
 * A scratch folder of this process's own in the temp folder, named by its
 * pid. A process killed with -9 cannot remove its own, so those of papermaps
 * whose process is gone are removed first, whatever they were for.
 */
export function scratchFolder(purpose: ScratchPurpose): string {
  const root = tmpdir();
  for (const name of readdirSync(root)) {
    const pid = LEFT_BEHIND.exec(name)?.[1];
    if (pid !== undefined && !alive(Number(pid))) rmSync(join(root, name), { recursive: true, force: true });
  }
  return mkdtempSync(join(root, `papermap-${purpose}-${process.pid}-`));
}
