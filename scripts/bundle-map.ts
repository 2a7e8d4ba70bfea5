/**
 * Bundles the page's script (src/report/map/main.ts and what it imports)
 * into dist/report-map.js with esbuild, which report.html inlines: one file,
 * no CDN. `npm run build` runs it after tsc; so does the tests' global setup.
 */
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../src/shared/version.js';

async function bundleMap(): Promise<string> {
  const outfile = join(PACKAGE_ROOT, 'dist', 'report-map.js');
  await build({
    entryPoints: [join(PACKAGE_ROOT, 'src', 'report', 'map', 'main.ts')],
    bundle: true,
    minify: true,
    format: 'iife',
    target: ['chrome100', 'firefox100', 'safari15'],
    outfile,
    logLevel: 'warning',
  });
  // the script sits inside a <script> element: nothing in it may close the element
  if (/<\/script/i.test(readFileSync(outfile, 'utf8'))) throw new Error(`${outfile} holds "</script": it cannot be inlined in report.html`);
  return outfile;
}

await bundleMap();
