import { fork } from 'node:child_process';
import { releaseLockOf } from '../store/lock.js';
import { stageNames } from '../store/schemas.js';
import { WORK_PROCESS_VARIABLE } from '../shared/supervised.js';

const EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;

/** Whether the command line names a command that writes an output folder: `run` or a stage. */
export function writesAFolder(args: readonly string[]): boolean {
  const command = args.find((arg) => !arg.startsWith('-'));
  return command === 'run' || (stageNames as readonly (string | undefined)[]).includes(command);
}

/** The output folder the command line names (`--out DIR` or `--out=DIR`), as the command's own parsing will take it; `output` by default. */
export function outFolderOf(args: readonly string[]): string {
  const at = args.lastIndexOf('--out');
  const joined = args.findLast((arg) => arg.startsWith('--out='));
  if (joined !== undefined && args.lastIndexOf(joined) > at) return joined.slice('--out='.length);
  return at >= 0 && at + 1 < args.length ? args[at + 1] : 'output';
}

/**
 * Runs this command again in a work process and answers Ctrl-C for it.
 * Node answers a signal only between two steps of JavaScript, and a stage
 * may compute for minutes in one step (k-means over a million papers), so
 * the process the user started does no work: on SIGINT or SIGTERM it ends
 * the work process at once, frees the output folder's lock (held in its
 * name), and prints the line the work process last told it, what was kept
 * and how to go on. The folder is as a kill -9 leaves it: each stage either
 * committed or left it as it was.
 */
export async function superviseWork(out: string): Promise<void> {
  // the same command line, in a work process
  const work = fork(process.argv[1], process.argv.slice(2), {
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, [WORK_PROCESS_VARIABLE]: '1' },
  });
  let interrupted = 'interrupted; nothing was changed';
  work.on('message', (message: { interrupted?: unknown }) => {
    if (typeof message?.interrupted === 'string') interrupted = message.interrupted;
  });
  let ended = false;
  const end = (code: number, line: () => string) => {
    if (ended) return;
    ended = true;
    work.kill('SIGKILL');
    const finish = () => {
      releaseLockOf(out, process.pid);
      process.stderr.write(`papermap: ${line()}\n`);
      process.exit(code);
    };
    // what the work process told before it ended is read first (its channel closes after): it says which stage was under way
    if (!work.connected) finish();
    else {
      work.once('disconnect', finish);
      setTimeout(finish, 1000).unref();
    }
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => end(EXIT_CODES[signal], () => interrupted));
  const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    work.on('exit', (code, signal) => done({ code, signal })),
  );
  // a signal sent to the work process alone (or to the whole process group) reads as the user's
  if (signal === 'SIGINT' || signal === 'SIGTERM') end(EXIT_CODES[signal], () => interrupted);
  else if (signal) end(1, () => interrupted.replace(/^interrupted/, `ended by ${signal}${signal === 'SIGKILL' ? ' (out of memory?)' : ''}`));
  else process.exitCode = code ?? 1;
}
