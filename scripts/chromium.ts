/**
 * The Chromium that the browser tests and benches drive through
 * playwright-core: Debian's (/usr/bin/chromium) when it is there, else the
 * one the npm package @sparticuz/chromium carries (a devDependency, so
 * `npm install` brings it; its first launch unpacks it into
 * node_modules/.cache).
 * PAPERMAP_CHROMIUM names another binary, or `bundled` to use the npm one
 * even where Debian's is installed (how a machine without it is tried).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { PACKAGE_ROOT } from '../src/shared/version.js';
import { dirname, join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';

export const DEBIAN_CHROMIUM = '/usr/bin/chromium';

/** Headless, no sandbox (tests run as root in CI), nothing that talks to the network by itself. WebGL goes through SwiftShader. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** The binary to launch, and where it came from. */
export async function chromiumPath(): Promise<{ path: string; source: 'PAPERMAP_CHROMIUM' | 'debian' | '@sparticuz/chromium' }> {
  const asked = process.env.PAPERMAP_CHROMIUM;
  if (asked && asked !== 'bundled') {
    if (!existsSync(asked)) throw new Error(`PAPERMAP_CHROMIUM=${asked}: no such file`);
    return { path: asked, source: 'PAPERMAP_CHROMIUM' };
  }
  if (asked !== 'bundled' && existsSync(DEBIAN_CHROMIUM)) return { path: DEBIAN_CHROMIUM, source: 'debian' };
  return { path: await unpackBundled(), source: '@sparticuz/chromium' };
}

/**
 * The npm package's Chromium, unpacked (once) into a folder of papermap's
 * own: the package unpacks into the temp folder (pointed there), and takes a `chromium` file
 * there as proof that its graphics libraries (SwiftShader, which WebGL needs)
 * are there too, which another program's files, or a cleaned temp folder,
 * can belie.
 */
async function unpackBundled(): Promise<string> {
  // imported only here: a machine with Debian's chromium never unpacks the npm one
  const { default: bundled, inflate } = await import('@sparticuz/chromium');
  // a cache of the install, like node_modules itself: the temp folder is left as papermap found it
  const folder = join(PACKAGE_ROOT, 'node_modules', '.cache', 'papermap-chromium-153');
  mkdirSync(folder, { recursive: true });
  const saved = process.env.TMPDIR;
  process.env.TMPDIR = folder;
  try {
    const path = await bundled.executablePath();
    const bin = join(dirname(createRequire(import.meta.url).resolve('@sparticuz/chromium')), '..', 'bin');
    if (!existsSync(join(dirname(path), 'libGLESv2.so'))) await inflate(join(bin, 'swiftshader.tar.br'));
    return path;
  } finally {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
  }
}

/** A headless Chromium, Debian's or the npm package's (chromiumPath). */
export async function launchChromium(): Promise<Browser> {
  const { path } = await chromiumPath();
  return chromium.launch({ executablePath: path, headless: true, args: CHROMIUM_ARGS });
}
