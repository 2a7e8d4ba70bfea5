#!/usr/bin/env node
/**
 * papermap's command line. A command that writes an output folder (`run`
 * and the stages) runs in a work process under this one, which loads no more
 * than it needs to answer Ctrl-C (src/runner/supervise.ts); every other
 * command, and the work process itself, runs the commands here.
 */
import { outFolderOf, superviseWork, writesAFolder } from './runner/supervise.js';
import { followSupervisor, supervised } from './shared/supervised.js';

const args = process.argv.slice(2);
if (!supervised() && writesAFolder(args)) await superviseWork(outFolderOf(args));
else {
  if (supervised()) followSupervisor();
  await import('./commands.js');
}
