import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';

/**
 * actionlint and shellcheck for the workflow tests, on any machine that runs
 * `npm test`: the ones on PATH if there are, else made once into
 * node_modules/.cache/papermap-lint from the registries this project reaches:
 * actionlint built from Go's module proxy (pinned), shellcheck from Debian's
 * package, unpacked without installing it. actionlint runs shellcheck on
 * every `run:` script, so the folder of the shellcheck it is given goes first
 * on its PATH.
 */

export const ACTIONLINT_MODULE = 'github.com/rhysd/actionlint/cmd/actionlint@v1.7.12';
const CACHE = resolve('node_modules/.cache/papermap-lint');

export interface LintTools {
  actionlint: string;
  shellcheck: string;
  /** PATH for actionlint: shellcheck's folder first. */
  path: string;
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) if (dir && existsSync(join(dir, name))) return join(dir, name);
  return undefined;
}

function has(command: string): boolean {
  return spawnSync(command, ['--version'], { stdio: 'ignore' }).error === undefined;
}

function buildActionlint(): string {
  const bin = join(CACHE, 'bin', 'actionlint');
  if (existsSync(bin)) return bin;
  if (!has('go')) throw new Error(`actionlint is not on PATH and Go is not here to build it: install Go, or actionlint (go install ${ACTIONLINT_MODULE})`);
  execFileSync('go', ['install', ACTIONLINT_MODULE], { env: { ...process.env, GOBIN: join(CACHE, 'bin') }, stdio: 'pipe' });
  return bin;
}

function unpackShellcheck(): string {
  const bin = join(CACHE, 'shellcheck', 'usr', 'bin', 'shellcheck');
  if (existsSync(bin)) return bin;
  if (!has('apt-get')) throw new Error('shellcheck is not on PATH and this is no Debian machine to take it from: install shellcheck');
  const download = join(CACHE, 'download');
  rmSync(download, { recursive: true, force: true });
  mkdirSync(download, { recursive: true });
  // apt-get download needs no root and changes nothing on the machine; dpkg-deb -x unpacks into our folder only
  const fetch = () => spawnSync('apt-get', ['download', 'shellcheck'], { cwd: download, stdio: 'pipe' }).status === 0;
  // a fresh machine may have no package lists yet: as root, fetch them once and try again
  if (!fetch() && !(process.getuid?.() === 0 && spawnSync('apt-get', ['update'], { stdio: 'pipe' }).status === 0 && fetch()))
    throw new Error('shellcheck is not on PATH and `apt-get download shellcheck` failed: install shellcheck');
  const deb = readdirSync(download).find((name) => name.endsWith('.deb'));
  if (!deb) throw new Error('apt-get download shellcheck brought no package: install shellcheck');
  execFileSync('dpkg-deb', ['-x', join(download, deb), join(CACHE, 'shellcheck')], { stdio: 'pipe' });
  return bin;
}

export function lintTools(): LintTools {
  const actionlint = onPath('actionlint') ?? buildActionlint();
  const shellcheck = onPath('shellcheck') ?? unpackShellcheck();
  return { actionlint, shellcheck, path: [resolve(shellcheck, '..'), process.env.PATH ?? ''].join(delimiter) };
}
