import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { clusterStage } from '../../src/cluster/stage.js';
import { indexStage } from '../../src/index/stage.js';
import { listInputFiles, readInputs } from '../../src/ingest/index.js';
import { decodePoints, type PageData } from '../../src/report/map/data.js';
import { reportStage } from '../../src/report/stage.js';
import { OutputFolder } from '../../src/store/folder.js';
import { readNeighbours } from '../../src/store/neighbours.js';
import { readIndexInfo, readVectors, type Paper } from '../../src/store/read.js';
import { mapFile, type MapFile } from '../../src/store/schemas.js';
import { FixedVectors, runStage } from '../helpers.js';
import { tempFolder } from '../temp.js';

const seeds = readInputs(listInputFiles(['seeds'])).papers;
/** report.html's data, and each paper's place on its map (quantised to 1/65535), by id. */
function pageData(out: string): PageData & { places: Map<string, [number, number]> } {
  const html = readFileSync(join(out, 'report.html'), 'utf8');
  const page = JSON.parse(/<script type="application\/json" id="papermap-data">(.*?)<\/script>/s.exec(html)![1]) as PageData;
  const bytes = Buffer.from(/<script type="application\/octet-stream" id="papermap-points">(.*?)<\/script>/s.exec(html)![1], 'base64');
  const points = decodePoints(bytes, page.total, page.colourings.length);
  const ids = new Map(page.papers.map((paper) => [paper.row, paper.id]));
  const places = new Map<string, [number, number]>();
  for (let row = 0; row < points.count; row++) places.set(ids.get(row)!, [points.x[row] / 65535, points.y[row] / 65535]);
  return { ...page, places };
}
const mapOf = (out: string): MapFile => mapFile.parse(JSON.parse(readFileSync(join(out, 'map.json'), 'utf8')));
const placesOf = (data: ReturnType<typeof pageData>) => data.places;

describe('the map goes on from run to run as the topics do', () => {
  let fixed: FixedVectors;
  const night = async (out: string, papers: readonly Paper[], options: { refit?: boolean } = {}) => {
    fixed.folderWith(out, papers);
    await runStage(indexStage, out);
    await runStage(clusterStage, out, options);
    await runStage(reportStage, out);
    return { map: mapOf(out), page: pageData(out) };
  };

  beforeAll(() => {
    fixed = new FixedVectors(seeds);
  });

  test('papers keep their places until a refit; new papers sit at the weighted mean of their placed neighbours', async () => {
    const out = tempFolder('map');
    const old = seeds.slice(0, -50);
    const first = await night(out, old);
    // a corpus this small is laid out whole
    expect(first.map.laidOut.map((paper) => paper.id)).toEqual(old.map((paper) => paper.id));
    expect(first.page.projection).not.toContain('keep their places');

    // night 2: 50 papers more, which join the topics, so the map goes on from night 1's
    const second = await night(out, seeds);
    expect(second.map).toEqual(first.map);
    expect(second.page.projection).toContain(
      `laid out when the topics were last fitted: the ${old.length} of its ${old.length} papers still here unchanged keep their places; every other paper sits at the similarity-weighted mean of its nearest placed papers`,
    );
    // the page's abstracts, read for its papers alone, are theirs
    const abstractOf = new Map(seeds.map((paper) => [paper.id, paper.abstract]));
    expect(second.page.papers.map((paper) => paper.a)).toEqual(second.page.papers.map((paper) => abstractOf.get(paper.id)));
    const before = placesOf(first.page);
    const after = placesOf(second.page);
    for (const paper of old) expect(after.get(paper.id)).toEqual(before.get(paper.id));
    // a new paper's place, worked out here from the stored neighbours: those of its 10 nearest that are old papers, by similarity
    const folder = OutputFolder.existing(out);
    const { info } = readVectors(folder);
    const stored = readNeighbours(folder, readIndexInfo(folder, info));
    const isOld = new Set(old.map((paper) => paper.id));
    let checked = 0;
    for (let row = old.length; row < seeds.length; row++) {
      const slots = Array.from({ length: 10 }, (_, slot) => row * stored.k + slot).filter((slot) => stored.labels[slot] >= 0);
      // only papers all of whose 10 nearest are old ones: a new neighbour is placed in a pass of its own
      if (!slots.every((slot) => isOld.has(seeds[stored.labels[slot]].id))) continue;
      const weight = slots.reduce((sum, slot) => sum + stored.scores[slot], 0);
      const mean = (axis: number) => slots.reduce((sum, slot) => sum + before.get(seeds[stored.labels[slot]].id)![axis] * stored.scores[slot], 0) / weight;
      // placed to 1e-4, then quantised to 1/65535 of the map on the page
      expect(Math.abs(after.get(seeds[row].id)![0] - mean(0))).toBeLessThan(1e-4);
      expect(Math.abs(after.get(seeds[row].id)![1] - mean(1))).toBeLessThan(1e-4);
      checked++;
    }
    expect(checked).toBeGreaterThan(10);

    // night 3: a refit lays the map out anew, every paper in it
    const third = await night(out, seeds, { refit: true });
    expect(third.map.laidOut.map((paper) => paper.id)).toEqual(seeds.map((paper) => paper.id));
    expect(third.page.projection).not.toContain('keep their places');
  });

  test('a damaged map.json is laid out anew, as on a first run', async () => {
    const out = tempFolder('map');
    const fresh = tempFolder('map');
    await night(out, seeds.slice(0, -50));
    writeFileSync(join(out, 'map.json'), '{"seed": 42, "laidOut": [');
    const second = await night(out, seeds);
    // what a folder whose report never ran before makes of the same topics: UMAP of every paper
    await night(fresh, seeds.slice(0, -50));
    rmSync(join(fresh, 'map.json'));
    const again = await night(fresh, seeds);
    expect(second.map.laidOut.map((paper) => paper.id)).toEqual(seeds.map((paper) => paper.id));
    expect(second.map).toEqual(again.map);
  });
});
