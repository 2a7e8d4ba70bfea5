/**
 * report.html in a real browser: Chromium driven by playwright-core, Debian's
 * or, where it is absent, the one the npm package @sparticuz/chromium brings
 * (scripts/chromium.ts; PAPERMAP_CHROMIUM=bundled uses it even where Debian's
 * is installed). The page is served by `papermap serve` and opened as a file.
 * A screenshot of each goes to PAPERMAP_SCREENSHOTS, when set, for a human
 * to look at (not compared).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { launchChromium } from '../../scripts/chromium.js';
import { tempFolder } from '../temp.js';
import { CLI, runOn, seedsOutput } from './setup.js';

/** Saves a screenshot for a human to look at, when PAPERMAP_SCREENSHOTS names a folder. */
async function screenshot(page: Page, name: string): Promise<void> {
  if (process.env.PAPERMAP_SCREENSHOTS) await page.screenshot({ path: join(process.env.PAPERMAP_SCREENSHOTS, `papermap-${name}.png`) });
}

interface MapHooks {
  screenPositions(): [number, number][];
  screenPosition(row: number): [number, number];
  zoom(): number;
  camera(): { centreX: number; centreY: number; zoom: number };
  labels(): { kind: string; text: string; box: [number, number, number, number]; row?: number }[];
  stats(): { level: string; drawn: number; frames: number[] };
  highlighted(): number[];
  added(): number[];
  pixel(x: number, y: number): number[];
}

/** Where every paper is drawn, the canvas's size and place, and the labels it shows. */
async function mapState(page: Page) {
  return page.evaluate(() => {
    const canvas = document.getElementById('map') as HTMLCanvasElement;
    const box = canvas.getBoundingClientRect();
    const map = (window as unknown as { papermap: MapHooks }).papermap;
    return {
      positions: map.screenPositions(),
      width: canvas.clientWidth,
      height: canvas.clientHeight,
      box: { top: box.top, left: box.left, bottom: box.bottom, right: box.right },
      viewport: { width: window.innerWidth, height: window.innerHeight },
      labels: map.labels(),
      level: map.stats().level,
      zoom: map.zoom(),
      renderer: document.body.dataset.renderer,
    };
  });
}

type MapState = Awaited<ReturnType<typeof mapState>>;

function expectEveryPointVisible(state: MapState): void {
  expect(state.box.bottom).toBeLessThanOrEqual(state.viewport.height);
  expect(state.box.right).toBeLessThanOrEqual(state.viewport.width);
  expect(state.height).toBeGreaterThan(200);
  const outside = state.positions.filter(([x, y]) => !(x >= 0 && y >= 0 && x <= state.width && y <= state.height));
  expect(outside).toEqual([]);
}

/** Labels drawn, none overlapping another, all on the canvas. */
function expectLabelsApart(state: MapState): void {
  expect(state.labels.length).toBeGreaterThan(0);
  for (const [i, a] of state.labels.entries()) {
    expect(a.box[0] >= 0 && a.box[1] >= 0 && a.box[2] <= state.width && a.box[3] <= state.height).toBe(true);
    for (const b of state.labels.slice(i + 1)) expect(a.box[2] <= b.box[0] || b.box[2] <= a.box[0] || a.box[3] <= b.box[1] || b.box[3] <= a.box[1]).toBe(true);
  }
}

/** Wheel turns at the middle of the map, then a pause so the map settles. */
/** Zooms about the paper nearest the middle of the view, so that papers stay in view however far it zooms. */
async function zoomAtMiddle(page: Page, state: MapState, turns: number): Promise<MapState> {
  const distance = ([x, y]: number[]) => Math.hypot(x - state.width / 2, y - state.height / 2);
  const [x, y] = state.positions.reduce((best, position) => (distance(position) < distance(best) ? position : best));
  await page.mouse.move(state.box.left + x, state.box.top + y);
  for (let turn = 0; turn < turns; turn++) {
    await page.mouse.wheel(0, -200);
    await page.waitForTimeout(30);
  }
  await page.waitForTimeout(300);
  return mapState(page);
}

const hooks = (page: Page) => page.evaluateHandle(() => (window as unknown as { papermap: MapHooks }).papermap);

describe('report.html in chromium', () => {
  let out: string;
  let server: ChildProcess;
  let url: string;
  let browser: Browser;

  beforeAll(async () => {
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
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    server?.kill('SIGTERM');
  });

  test('served: every point on the visible canvas through WebGL, labels drawn apart, whatever the header holds', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(url);
    await page.waitForSelector('body[data-search="meaning"]');
    let state = await mapState(page);
    expect(state.renderer).toBe('webgl');
    expectEveryPointVisible(state);
    expect(state.positions).toHaveLength(408);
    expect(state.labels.length).toBeGreaterThanOrEqual(3);
    expectLabelsApart(state);
    // the points are drawn: a paper's pixel is coloured, an empty corner is not
    const [x, y] = state.positions[17];
    const map = await hooks(page);
    expect((await map.evaluate((papermap, [px, py]) => papermap.pixel(px, py), [x, y]))[3]).toBeGreaterThan(100);
    await screenshot(page, 'served');

    // a header three times as tall (a long notice) and a smaller window: the map fits again
    await page.evaluate(() => {
      const notice = document.getElementById('notice')!;
      notice.textContent = 'A long notice. '.repeat(60);
      notice.hidden = false;
    });
    await page.setViewportSize({ width: 1000, height: 640 });
    await page.waitForTimeout(300);
    state = await mapState(page);
    expectEveryPointVisible(state);
    expect(errors).toEqual([]);
    await page.close();
  });

  test('labels at every zoom, never overlapping: broad far out, fine closer, titles closest; the wheel zooms about the pointer; reset brings back the whole view', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(pathToFileURL(join(out, 'report.html')).href);
    const start = await mapState(page);
    expect(start.level).toBe('broad');
    expectLabelsApart(start);
    // the pointer near paper 17: the map point under it stays there
    const [x, y] = start.positions[17];
    const pointer = [Math.round(start.box.left + x), Math.round(start.box.top + y)];
    await page.mouse.move(pointer[0], pointer[1]);
    for (let turn = 0; turn < 4; turn++) await page.mouse.wheel(0, -200);
    await page.waitForTimeout(300);
    const after = await mapState(page);
    const [cx, cy] = [pointer[0] - after.box.left, pointer[1] - after.box.top];
    expect(after.positions[17][0] - cx).toBeCloseTo((x - cx) * after.zoom, 0);
    expect(after.positions[17][1] - cy).toBeCloseTo((y - cy) * after.zoom, 0);
    await page.click('#reset');
    await page.waitForTimeout(200);
    expect((await mapState(page)).positions).toEqual(start.positions);

    // 5x and 26x about the paper nearest the middle: labels still, titles among them once few papers are in view
    const levels: string[] = [];
    let state = start;
    for (const [turns, zoom] of [
      [9, 5],
      [9, 26],
    ]) {
      state = await zoomAtMiddle(page, state, turns);
      expect(state.zoom).toBeGreaterThan(zoom);
      expectLabelsApart(state);
      levels.push(state.level);
      await screenshot(page, `zoom-${zoom}`);
    }
    expect(levels).toContain('titles');
    expect(state.labels.some((label) => label.kind === 'title')).toBe(true);
    await page.close();
  });

  test('served: search by meaning lists results, highlights them on the map and dims the rest; a click brings the paper and its details into view', async () => {
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
    const map = await hooks(page);
    const highlighted = await map.evaluate((papermap) => papermap.highlighted());
    expect(highlighted).toHaveLength(titles.length);
    // a match is drawn at full strength, a paper that does not match dimmed
    await page.waitForTimeout(200);
    const state = await mapState(page);
    const lit = new Set(highlighted);
    const alpha = async (row: number) => (await map.evaluate((papermap, [px, py]) => papermap.pixel(px, py), state.positions[row]))[3];
    const loneRow = state.positions.findIndex(
      ([px, py], row) => !lit.has(row) && state.positions.every(([qx, qy], other) => other === row || Math.hypot(px - qx, py - qy) > 12),
    );
    expect(await alpha(highlighted[0])).toBeGreaterThan(150);
    expect(await alpha(loneRow)).toBeLessThan(80);
    await screenshot(page, 'search');

    // the details come into view at once, at the top of the side panel, however long the lists
    await page.click('#matches li:nth-child(8) button');
    expect(await page.textContent('#details h2')).toBe(titles[7]);
    const heading = await page.locator('#details h2').boundingBox();
    expect(heading!.y).toBeGreaterThanOrEqual(0);
    expect(heading!.y + heading!.height).toBeLessThanOrEqual(800);
    expect(await page.locator('#details ol li').count()).toBeGreaterThan(0);
    // and the paper is on the canvas
    const row = highlighted[7];
    const [px, py] = await map.evaluate((papermap, at) => papermap.screenPosition(at), row);
    expect(px >= 0 && py >= 0 && px <= state.width && py <= state.height).toBe(true);
    await page.close();
  });

  test('served: a BibTeX library pasted into "For your library" lists papers to read with their reasons and draws them over the map; a click opens one; a bad library shows the server\'s line', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(url);
    await page.waitForSelector('body[data-search="meaning"]');
    const papers = readFileSync(join(out, 'papers.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { id: string; title: string });
    // five seed papers on one subject, titles with authors and year as an export has them, and one paper not among them
    const mine = papers.filter((paper) => /speculative decoding/i.test(paper.title)).slice(0, 5);
    expect(mine).toHaveLength(5);
    const crops = 'Crop Rotation in Medieval Northern Europe';
    const bibtex = [
      ...mine.map(
        (paper, index) => `@article{mine${index},\n  title = {${paper.title.replace(/([&%$#_])/g, '\\$1')}},\n  author = {Doe, Jane},\n  year = {2024}\n}\n`,
      ),
      `@inproceedings{crops,\n  title = {${crops}},\n  author = {Smith, A.},\n  year = 1999\n}\n`,
    ].join('\n');
    await page.click('#library-panel > summary');
    await page.fill('#library-text', bibtex);
    await page.selectOption('#library-scope', 'all');
    await page.fill('#library-top', '8');
    await page.click('#library-rank');
    await page.waitForSelector('#library-panel[data-done="ranked"]');
    const shown = await page.$$eval('#library-results > li', (items) =>
      items.map((item) => ({
        row: Number((item as HTMLElement).dataset.row),
        title: item.querySelector(':scope > button')!.textContent,
        meta: item.querySelector(':scope > .meta')!.textContent ?? '',
        because: [...item.querySelectorAll('ul.because > li')].map((reason) => ({
          title: reason.firstElementChild!.textContent,
          similarity: Number(reason.querySelector('.score')!.textContent),
        })),
      })),
    );
    expect(shown).toHaveLength(8);
    expect(await page.textContent('#library-status')).toMatch(/^The 8 best of 403 papers not in your library \(scoring: .+\):$/);
    const library = new Set([...mine.map((paper) => paper.title), crops]);
    for (const result of shown) {
      // a paper of the map at its own row, not one of the library's; each reason one to three of the library's entries
      expect(result.title).toBe(papers[result.row].title);
      expect(library.has(result.title!)).toBe(false);
      expect(result.meta).toMatch(/^score \d\.\d{3} · (topic \d+: .+|no topic)( · new tonight)? · because of:$/);
      expect(result.because.length).toBeGreaterThanOrEqual(1);
      expect(result.because.length).toBeLessThanOrEqual(3);
      for (const reason of result.because) {
        expect(library.has(reason.title!)).toBe(true);
        expect(reason.similarity).toBeGreaterThan(-1);
        expect(reason.similarity).toBeLessThanOrEqual(1);
      }
    }
    // at least one result is there because of the five seed papers (the paper on crops matches none)
    expect(shown.some((result) => result.because.some((reason) => reason.title !== crops))).toBe(true);
    expect(await page.textContent('#library-summary')).toMatch(/^Pasted library \(BibTeX\): 6 entries, 5 matched to papers of the map, 1 not/);
    expect(await page.textContent('#library-check')).toMatch(/^Self-check: /);
    expect(await page.textContent('#library-notes')).toContain('line 31: crops');
    const map = await hooks(page);
    expect(await map.evaluate((papermap) => papermap.highlighted())).toEqual(shown.map((result) => result.row));
    await screenshot(page, 'library');

    // a click on a result opens its details, and its point is on the canvas
    await page.click('#library-results > li:nth-child(3) > button');
    expect(await page.textContent('#details h2')).toBe(shown[2].title);
    expect(Number(await page.getAttribute('#details', 'data-row'))).toBe(shown[2].row);
    const state = await mapState(page);
    const [px, py] = await map.evaluate((papermap, row) => papermap.screenPosition(row), shown[2].row);
    expect(px >= 0 && py >= 0 && px <= state.width && py <= state.height).toBe(true);

    // a library the server cannot read: its one line, and the list and the highlight gone
    const bad = '<html><body>my papers</body></html>';
    const reply = await fetch(`${url.replace(/\/?$/, '/')}api/recommend`, { method: 'POST', body: bad });
    expect(reply.status).toBe(400);
    const { error } = (await reply.json()) as { error: string };
    await page.fill('#library-text', bad);
    await page.click('#library-rank');
    await page.waitForSelector('#library-panel[data-done="error"]');
    expect(await page.textContent('#library-status')).toBe(error);
    expect(await page.locator('#library-results > li').count()).toBe(0);
    expect(await map.evaluate((papermap) => papermap.highlighted())).toEqual([]);

    // a file chosen, or dropped on the panel, is ranked at once
    const summaryStarts = (start: string) => page.waitForFunction((text) => document.getElementById('library-summary')!.textContent!.startsWith(text), start);
    await page.setInputFiles('#library-file', { name: 'ids.txt', mimeType: 'text/plain', buffer: Buffer.from(mine.map((paper) => paper.id).join('\n')) });
    await summaryStarts('ids.txt');
    expect(await page.textContent('#library-summary')).toBe('ids.txt (list): 5 entries, 5 matched to papers of the map.');
    expect(await page.locator('#library-results > li').count()).toBe(8);
    await page.evaluate(
      ([name, text]) => {
        const transfer = new DataTransfer();
        transfer.items.add(new File([text], name));
        document.getElementById('library-panel')!.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
      },
      ['mine.bib', bibtex],
    );
    await summaryStarts('mine.bib');
    expect(await page.textContent('#library-summary')).toMatch(/^mine\.bib \(BibTeX\): 6 entries, 5 matched/);
    expect(errors).toEqual([]);
    await page.close();
  });

  test('touch: a pinch zooms about the fingers, a drag pans, a tap opens a paper', async () => {
    const context = await browser.newContext({ viewport: { width: 1000, height: 700 }, hasTouch: true });
    const page = await context.newPage();
    await page.goto(pathToFileURL(join(out, 'report.html')).href);
    const start = await mapState(page);
    const cdp = await context.newCDPSession(page);
    const touch = (type: 'touchStart' | 'touchMove' | 'touchEnd', points: [number, number][]) =>
      cdp.send('Input.dispatchTouchEvent', { type, touchPoints: points.map(([x, y], id) => ({ x: start.box.left + x, y: start.box.top + y, id })) });
    const [mx, my] = [start.width / 2, start.height / 2];
    await touch('touchStart', [
      [mx - 40, my],
      [mx + 40, my],
    ]);
    for (let step = 1; step <= 8; step++)
      await touch('touchMove', [
        [mx - 40 - step * 20, my],
        [mx + 40 + step * 20, my],
      ]);
    await touch('touchEnd', []);
    await page.waitForTimeout(300);
    const pinched = await mapState(page);
    // the fingers went from 80 to 400 pixels apart
    expect(pinched.zoom).toBeCloseTo(5, 0);
    const camera = await (await hooks(page)).evaluate((papermap) => papermap.camera());
    await touch('touchStart', [[mx, my]]);
    for (let step = 1; step <= 5; step++) await touch('touchMove', [[mx + step * 20, my + step * 10]]);
    await touch('touchEnd', []);
    await page.waitForTimeout(300);
    const dragged = await (await hooks(page)).evaluate((papermap) => papermap.camera());
    expect(dragged.centreX).toBeLessThan(camera.centreX);
    expect(dragged.centreY).toBeLessThan(camera.centreY);
    // a tap on a paper opens it
    const state = await mapState(page);
    const row = state.positions.findIndex(([x, y]) => x > 50 && y > 50 && x < state.width - 50 && y < state.height - 50);
    await touch('touchStart', [state.positions[row]]);
    await touch('touchEnd', []);
    await page.waitForSelector('#details h2');
    expect(Number(await page.getAttribute('#details', 'data-row'))).toBeGreaterThanOrEqual(0);
    await context.close();
  });

  test('as a file: the title search highlights its matches; without WebGL the page draws on a 2D canvas', async () => {
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
    expect(await (await hooks(page)).evaluate((papermap) => papermap.highlighted().length)).toBe(titles.length);
    await page.click('#matches button');
    expect(await page.textContent('#details h2')).toBe(titles[0]);
    expect(await page.evaluate(() => document.body.dataset.search)).toBeUndefined();
    // ranking for a library needs the server: as a file the panel is not there
    expect(await page.locator('#library-panel').isVisible()).toBe(false);

    const flat = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await flat.addInitScript(() => {
      const original = HTMLCanvasElement.prototype.getContext;
      HTMLCanvasElement.prototype.getContext = function (this: HTMLCanvasElement, kind: string, options?: unknown) {
        return kind === 'webgl2' ? null : original.call(this, kind as '2d', options as CanvasRenderingContext2DSettings);
      } as typeof original;
    });
    await flat.goto(pathToFileURL(join(out, 'report.html')).href);
    const state = await mapState(flat);
    expect(state.renderer).toBe('canvas');
    expectEveryPointVisible(state);
    const [x, y] = state.positions[17];
    expect((await (await hooks(flat)).evaluate((papermap, [px, py]) => papermap.pixel(px, py), [x, y]))[3]).toBeGreaterThan(100);
    expect(errors).toEqual([]);
    await flat.close();
    await page.close();
  });
});

describe('report.html after a nightly run', () => {
  test('the papers the run added are marked, counted and listed', async () => {
    const out = tempFolder('nightly-map');
    const files = readdirSync('seeds').map((file) => resolve('seeds', file));
    runOn(out, files.slice(0, 3));
    runOn(out, files);
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      await page.goto(pathToFileURL(join(out, 'report.html')).href);
      await page.waitForSelector('#map[data-labels]');
      const map = await hooks(page);
      const added = await map.evaluate((papermap) => papermap.added());
      expect(added.length).toBeGreaterThan(0);
      const button = page.locator('#added');
      expect(await button.textContent()).toBe(`New in the last run: ${added.length}`);
      await button.click();
      expect(await map.evaluate((papermap) => papermap.highlighted())).toEqual(added);
      expect(await page.locator('#matches li button').count()).toBe(Math.min(200, added.length));
      await screenshot(page, 'added');
      // each added paper is ringed on the map: the overlay is drawn there
      const [x, y] = await map.evaluate((papermap, row) => papermap.screenPosition(row), added[0]);
      const ringed = await page.evaluate(
        ([px, py]) => {
          const overlay = document.getElementById('overlay') as HTMLCanvasElement;
          const ratio = window.devicePixelRatio || 1;
          const data = overlay
            .getContext('2d')!
            .getImageData(Math.round((px - 10) * ratio), Math.round((py - 10) * ratio), Math.round(20 * ratio), Math.round(20 * ratio)).data;
          let red = 0;
          for (let at = 0; at < data.length; at += 4) if (data[at] > 150 && data[at + 1] < 80 && data[at + 3] > 100) red++;
          return red;
        },
        [x, y],
      );
      expect(ringed).toBeGreaterThan(3);
    } finally {
      await browser.close();
    }
  });
});
