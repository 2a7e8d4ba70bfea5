/**
 * report.html in a real browser: Debian's chromium (/usr/bin/chromium, which
 * .ci/run installs when missing) driven by playwright-core. The page is served
 * by `papermap serve` and opened as a file. A screenshot of each goes to the
 * temporary folder for a human to look at (not compared).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CLI, seedsOutput } from './setup.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/** Where every paper is drawn, the canvas's size and place, and how many labels it shows. */
async function mapState(page: Page) {
  return page.evaluate(() => {
    const canvas = document.getElementById('map') as HTMLCanvasElement;
    const box = canvas.getBoundingClientRect();
    const view = window as unknown as { papermap: { screenPositions(): [number, number][]; zoom(): number } };
    return {
      positions: view.papermap.screenPositions(),
      width: canvas.clientWidth,
      height: canvas.clientHeight,
      box: { top: box.top, left: box.left, bottom: box.bottom, right: box.right },
      viewport: { width: window.innerWidth, height: window.innerHeight },
      labels: Number(canvas.dataset.labels),
      level: canvas.dataset.level,
      zoom: view.papermap.zoom(),
    };
  });
}

function expectEveryPointVisible(state: Awaited<ReturnType<typeof mapState>>): void {
  expect(state.box.bottom).toBeLessThanOrEqual(state.viewport.height);
  expect(state.box.right).toBeLessThanOrEqual(state.viewport.width);
  expect(state.height).toBeGreaterThan(200);
  const outside = state.positions.filter(([x, y]) => !(x >= 0 && y >= 0 && x <= state.width && y <= state.height));
  expect(outside).toEqual([]);
}

// without chromium these tests fail, saying how to get it; PAPERMAP_SKIP_BROWSER=1 skips them instead
describe.skipIf(process.env.PAPERMAP_SKIP_BROWSER === '1')('report.html in chromium', () => {
  let out: string;
  let server: ChildProcess;
  let url: string;
  let browser: Browser;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(`${CHROMIUM} not found: apt-get install -y chromium (.ci/run does), or set PAPERMAP_SKIP_BROWSER=1 to skip the browser tests`);
    out = seedsOutput();
    server = spawn(process.execPath, [CLI, 'serve', '--out', out, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
    url = await new Promise<string>((resolve, reject) => {
      let stdout = '';
      server.stdout!.on('data', (chunk) => {
        stdout += chunk;
        if (stdout.includes('\n')) resolve(stdout.trim());
      });
      server.on('exit', (code) => reject(new Error(`papermap serve exited with ${code}`)));
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    server?.kill('SIGTERM');
  });

  test('served: every point is on the visible canvas, labels are drawn, whatever the header holds', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(url);
    await page.waitForSelector('body[data-search="meaning"]');
    let state = await mapState(page);
    expectEveryPointVisible(state);
    expect(state.positions).toHaveLength(408);
    expect(state.labels).toBeGreaterThanOrEqual(5);
    await page.screenshot({ path: join(tmpdir(), 'papermap-served.png') });

    // a header three times as tall (a long notice) and a smaller window: the map fits again
    await page.evaluate(() => {
      const notice = document.getElementById('notice')!;
      notice.textContent = 'A long notice. '.repeat(60);
      notice.hidden = false;
    });
    await page.setViewportSize({ width: 1000, height: 640 });
    await page.waitForTimeout(200);
    state = await mapState(page);
    expectEveryPointVisible(state);
    expect(errors).toEqual([]);
    await page.close();
  });

  test('served: the wheel zooms about the pointer, and zoomed in the labels are finer', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(url);
    await page.waitForSelector('body[data-search="meaning"]');
    const before = await mapState(page);
    // the pointer near paper 17, on whole pixels as mouse events are
    const [x, y] = before.positions[17];
    const pointer = [Math.round(before.box.left + x), Math.round(before.box.top + y)];
    await page.mouse.move(pointer[0], pointer[1]);
    for (let turn = 0; turn < 4; turn++) {
      await page.mouse.wheel(0, -200);
      await page.waitForTimeout(50);
    }
    const after = await mapState(page);
    expect(after.zoom).toBeGreaterThan(2);
    // the map point under the pointer stays there: the paper's distance from the pointer grows by the zoom, its direction kept
    const [cx, cy] = [pointer[0] - after.box.left, pointer[1] - after.box.top];
    expect(after.positions[17][0] - cx).toBeCloseTo((x - cx) * after.zoom, 1);
    expect(after.positions[17][1] - cy).toBeCloseTo((y - cy) * after.zoom, 1);
    expect(after.level).toBe('fine');
    expect(after.labels).toBeGreaterThan(0);
    await page.screenshot({ path: join(tmpdir(), 'papermap-zoomed.png') });
    await page.close();
  });

  test('served: search by meaning lists results, and a click shows that paper', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(url);
    await page.waitForSelector('body[data-search="meaning"]');
    expect(await page.getAttribute('#search', 'placeholder')).toBe('Search by meaning…');
    // a query that shares no title word with its answers still finds them
    await page.fill('#search', 'making language model generation faster by guessing several tokens ahead');
    await page.press('#search', 'Enter');
    await page.waitForSelector('#matches button');
    const titles = await page.$$eval('#matches button', (buttons) => buttons.map((button) => button.textContent ?? ''));
    expect(titles.length).toBeGreaterThanOrEqual(10);
    expect(titles.slice(0, 10).filter((title) => /speculative|decoding|draft|inference|parallel/i.test(title)).length).toBeGreaterThanOrEqual(3);
    await page.click('#matches li:nth-child(2) button');
    expect(await page.textContent('#details h2')).toBe(titles[1]);
    // every paper shows its nearest papers: related ones, or weak ones below the floor
    expect(await page.locator('#details ol li').count()).toBeGreaterThan(0);
    await page.screenshot({ path: join(tmpdir(), 'papermap-search.png') });
    await page.close();
  });

  test('two levels of topics: broad labels zoomed out, fine ones zoomed in', async () => {
    // the cluster stage gives two levels of topics: broad ones made of fine ones
    const copy = out;
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(pathToFileURL(join(copy, 'report.html')).href);
    const start = await mapState(page);
    expectEveryPointVisible(start);
    expect(start.level).toBe('broad');
    expect(start.labels).toBeGreaterThanOrEqual(3);
    expect(await page.locator('#topics > li > button.broad').count()).toBeGreaterThan(1);
    await page.screenshot({ path: join(tmpdir(), 'papermap-two-levels.png') });
    await page.mouse.move(start.box.left + start.width / 2, start.box.top + start.height / 2);
    for (let turn = 0; turn < 4; turn++) await page.mouse.wheel(0, -200);
    await page.waitForTimeout(100);
    const zoomed = await mapState(page);
    expect(zoomed.level).toBe('fine');
    expect(zoomed.labels).toBeGreaterThan(0);
    await page.screenshot({ path: join(tmpdir(), 'papermap-two-levels-zoomed.png') });
    expect(errors).toEqual([]);
    await page.close();
  });

  test('as a file: the page keeps its title search', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(pathToFileURL(join(out, 'report.html')).href);
    expect(await page.getAttribute('#search', 'placeholder')).toBe('Search titles…');
    expectEveryPointVisible(await mapState(page));
    await page.fill('#search', 'speculative');
    await page.waitForSelector('#matches button');
    const titles = await page.$$eval('#matches button', (buttons) => buttons.map((button) => button.textContent ?? ''));
    expect(titles.length).toBeGreaterThan(0);
    for (const title of titles) expect(title.toLowerCase()).toContain('speculative');
    await page.click('#matches button');
    expect(await page.textContent('#details h2')).toBe(titles[0]);
    expect(await page.evaluate(() => document.body.dataset.search)).toBeUndefined();
    expect(errors).toEqual([]);
    await page.close();
  });
});
