import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Folders made by tempFolder in this test file; test/setup/temp.ts removes them when the file ends. */
const made: string[] = [];

/** A new empty folder in the system temp folder, removed when the test file ends, whatever happens in it. */
export function tempFolder(label: string): string {
  const dir = mkdtempSync(join(tmpdir(), `papermap-${label}-`));
  made.push(dir);
  return dir;
}

/** Removes every folder tempFolder made so far (test/setup/temp.ts calls it after each test file). */
export function removeTempFolders(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}
