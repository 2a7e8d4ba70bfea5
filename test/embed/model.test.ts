import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { SHIPPED_FILES } from '../../src/embed/model.js';
import { tempFolder } from '../temp.js';

/**
 * papermap as installed, in a folder of its own whose shipped model can be
 * damaged without touching the repository's: the built dist/ and package.json
 * copied, node_modules linked, and the model's files linked one by one.
 */
function installedCopy(damage: (modelDir: string) => void): string {
  const root = join(tempFolder('installed'), 'papermap');
  mkdirSync(root);
  cpSync(resolve('dist'), join(root, 'dist'), { recursive: true });
  copyFileSync(resolve('package.json'), join(root, 'package.json'));
  symlinkSync(resolve('node_modules'), join(root, 'node_modules'));
  const modelDir = join(root, 'models', 'all-MiniLM-L6-v2');
  for (const file of SHIPPED_FILES) {
    mkdirSync(dirname(join(modelDir, file.path)), { recursive: true });
    symlinkSync(resolve('models', 'all-MiniLM-L6-v2', file.path), join(modelDir, file.path));
  }
  damage(modelDir);
  return root;
}

function papermapAt(root: string, args: string[]): { status: number; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [join(root, 'dist', 'src', 'cli.js'), ...args], {
    encoding: 'utf8',
    cwd: root,
    env: { ...process.env, PAPERMAP_DEBUG: '' },
  });
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

describe('the shipped model missing or damaged', () => {
  let input: string;
  beforeAll(() => {
    // one seed listing file: enough papers for ingest and embed
    input = join(tempFolder('model-input'), 'listing.txt');
    copyFileSync(join('seeds', readdirSync('seeds').sort()[0]), input);
  });

  test.each([
    ['missing', 'tokenizer_config.json', 'is missing'],
    ['replaced', 'config.json', 'does not match its pinned SHA-256'],
  ] as const)(
    'a shipped file %s: --model minilm refuses naming it; --model auto falls back to the builtin embedder, says why and records it',
    (how, file, problem) => {
      const root = installedCopy((dir) => {
        rmSync(join(dir, file));
        if (how === 'replaced') writeFileSync(join(dir, file), '{"hidden_size": 384}\n');
      });
      const out = join(root, 'output');
      expect(papermapAt(root, ['ingest', '--input', input, '--out', out]).status).toBe(0);
      const shown = `models/all-MiniLM-L6-v2/${file} ${problem}`;

      const refused = papermapAt(root, ['embed', '--model', 'minilm', '--out', out]);
      expect(refused.status).toBe(1);
      expect(refused.stderr).toBe(
        `papermap: the shipped model file ${shown}${how === 'replaced' ? ' (damaged or replaced)' : ''}: restore it with \`git checkout models/\` (or reinstall papermap); or use --model builtin\n`,
      );
      expect(readdirSync(out)).not.toContain('vectors.f32');

      const auto = papermapAt(root, ['embed', '--model', 'auto', '--out', out]);
      expect(auto.status).toBe(0);
      expect(auto.stderr).toContain(`papermap: the shipped model file ${shown}`);
      expect(auto.stderr).toContain('; using the builtin embedder instead\n');
      const info = JSON.parse(readFileSync(join(out, 'vectors.json'), 'utf8')) as { model: string; fallbackReason?: string };
      expect(info.model).toBe('builtin');
      expect(info.fallbackReason).toContain(shown);
      const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { model: { used: string; fallbackReason?: string } };
      expect(manifest.model).toEqual({ used: 'builtin', identity: expect.any(String), fallbackReason: info.fallbackReason });
    },
  );
});
