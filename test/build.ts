import { execFileSync } from 'node:child_process';

/** Builds dist/ from the current sources (the CLI tests run it) and type-checks the tests too. */
export default function build(): void {
  const tsc = (project: string) => execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', project], { stdio: 'inherit' });
  tsc('tsconfig.json');
  tsc('test/tsconfig.json');
}
