/**
 * The longest functions of papermap's sources, longest first, with where
 * each begins: `npm run build && node dist/scripts/function-lengths.js [N]`.
 * A function is counted from its first line to its last, nested functions
 * within it included (and counted again on their own).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { PACKAGE_ROOT } from '../src/shared/version.js';

export interface FunctionLength {
  lines: number;
  /** File and line, relative to the repository: src/embed/builtin-svd.ts:92 */
  where: string;
  name: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return sourceFiles(path);
      return path.endsWith('.ts') ? [path] : [];
    });
}

/** The name a function goes by: its own, or that of the variable, property or method it is assigned to. */
function nameOf(node: ts.FunctionLikeDeclaration, file: ts.SourceFile): string {
  if (node.name) return node.name.getText(file);
  const parent = node.parent;
  if (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)) return parent.name.getText(file);
  return '(anonymous)';
}

/** Every function with a body under `dir` (default: src/), longest first. */
export function functionLengths(dir = join(PACKAGE_ROOT, 'src')): FunctionLength[] {
  const lengths: FunctionLength[] = [];
  for (const path of sourceFiles(dir)) {
    const file = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true);
    const visit = (node: ts.Node): void => {
      if (ts.isFunctionLike(node) && 'body' in node && node.body) {
        const first = file.getLineAndCharacterOfPosition(node.getStart(file)).line;
        const last = file.getLineAndCharacterOfPosition(node.end).line;
        lengths.push({
          lines: last - first + 1,
          where: `${relative(PACKAGE_ROOT, path)}:${first + 1}`,
          name: nameOf(node as ts.FunctionLikeDeclaration, file),
        });
      }
      ts.forEachChild(node, visit);
    };
    visit(file);
  }
  return lengths.sort((a, b) => b.lines - a.lines || a.where.localeCompare(b.where));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const shown = Number(process.argv[2] ?? 10);
  for (const { lines, where, name } of functionLengths().slice(0, shown)) process.stdout.write(`${String(lines).padStart(5)}  ${name}  ${where}\n`);
}
