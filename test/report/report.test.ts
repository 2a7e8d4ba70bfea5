import { JSDOM, VirtualConsole } from 'jsdom';
import { describe, expect, test } from 'vitest';
import type { Clusters } from '../../src/cluster/index.js';
import { distinctColours, rgbToOklab, shortLabel, toHtml, topicColours } from '../../src/report/html.js';
import { escapeMarkdown, toMarkdown } from '../../src/report/markdown.js';
import type { ReportData } from '../../src/report/model.js';
import { exactNeighbours, recallAtK } from '../../src/index/neighbours.js';
import { mapPapers, mapWithSample, neighboursWithinSample } from '../../src/report/projection.js';
import { seededRandom, sampleRows } from '../../src/shared/random.js';
import { gatherRows } from '../../src/shared/vectors.js';
import type { Paper } from '../../src/store/read.js';
import type { IndexInfo, VectorsInfo } from '../../src/store/schemas.js';

const EVIL = '<script>alert(1)</script>';

function paper(id: string, title: string, abstract: string): Paper {
  return { id, title, abstract, sources: ['x.jsonl'], metadata: {} };
}

/** A small report: two topics, one outlier, a title that tries to be markup. */
function sampleData(): ReportData {
  const papers = [
    paper('p0', EVIL, 'An abstract with <b>tags</b> & ampersands.'),
    paper('p1', 'Speech synthesis with flow matching', 'We synthesise speech.'),
    paper('p2', 'Chain-of-thought prompting', 'Reasoning step by step.'),
    paper('p3', 'Self-consistency | pipes * stars _under_', 'Sampling many chains.'),
    paper('p4', 'A paper about gardening', 'Tomatoes.'),
  ];
  const clusters: Clusters = {
    k: 2,
    seed: 42,
    method: 'spherical k-means',
    kSelection: { criterion: 'highest mean silhouette', searched: [2, 2], structure: 'weak', chosenFrom: [2, 2], sampledPapers: 5 },
    kScores: [{ k: 2, silhouette: 0.31, stability: 0.9, predictionStrength: 0.8 }],
    model: 'builtin',
    vectorsHash: 'v',
    outlierRule: 'far from the centre',
    topics: [
      { id: 0, label: 'speech, <TTS>', keywords: ['speech', '<TTS>'], size: 2, cohesion: 0.8, nearestTopic: { id: 1, similarity: 0.2 }, representatives: ['p1', 'p0'], paperIds: ['p1', 'p0'], parent: 0, coherence: 0.2, stability: 0.9, weak: false },
      { id: 1, label: 'reasoning', keywords: ['reasoning'], size: 2, cohesion: 0.7, nearestTopic: { id: 0, similarity: 0.2 }, representatives: ['p2', 'p3'], paperIds: ['p2', 'p3'], parent: 1, coherence: 0.2, stability: 0.9, weak: false },
    ],
    outliers: [{ id: 'p4', nearestTopic: 1, similarity: 0.1 }],
    // each topic its own broad topic: a corpus of one level
    broadTopics: [
      { id: 0, label: 'speech, <TTS>', keywords: ['speech'], size: 2, topicIds: [0], coherence: 0.1 },
      { id: 1, label: 'reasoning', keywords: ['reasoning'], size: 2, topicIds: [1], coherence: 0.1 },
    ],
    broadScores: [],
    quality: {
      labelDiversity: { topics: 1, broadTopics: 1 },
      keywordDiversity: 1,
      coherence: { topics: 0.2, broadTopics: 0.1 },
      stability: { seeds: [43, 44], ari: [0.9, 0.9], meanAri: 0.9, meanTopicJaccard: 0.9, broadAri: [1, 1] },
      weakRule: 'rule',
      weakTopics: 0,
    },
    history: {
      run: 'fitted',
      reason: 'no earlier topics to go on from: topics fitted on all papers',
      fitOptions: { k: 'auto', seed: 42 },
      fittedPapers: 5,
      sinceFit: { added: 0, changed: 0, removed: 0 },
      drift: 0,
      driftThreshold: 0.25,
      nextTopicId: 2,
      nextBroadTopicId: 2,
      lineage: null,
      papers: { ids: papers.map((p) => p.id), fingerprints: papers.map(() => '0') },
    },
  };
  const vectors: VectorsInfo = { model: 'builtin', modelIdentity: 'builtin-x', fallbackReason: 'MiniLM weights not found', dim: 2, count: 5, normalized: true, papersHash: 'p', vectorsHash: 'v' };
  const index: IndexInfo = {
    model: 'builtin', modelIdentity: 'builtin-x', dim: 2, count: 5, space: 'cosine', search: 'exact',
    hnsw: { m: 16, efConstruction: 200, efSearch: 64 }, graph: { neighbors: 10, minSimilarity: 0.3, minSimilarityRule: 'rule' }, storedNeighbours: 4, vectorsHash: 'v', hnswHash: 'h', ids: papers.map((p) => p.id), labels: papers.map((p) => p.id), fingerprints: papers.map(() => '0'), update: { kind: 'built', added: 5, removed: 0, searchedAgain: 0 },
  };
  return {
    version: '0.1.0',
    papers,
    vectors,
    index,
    clusters,
    related: [[{ row: 1, score: 0.8, mutual: true }], [{ row: 0, score: 0.8, mutual: true }], [{ row: 3, score: 0.7, mutual: true }], [{ row: 2, score: 0.7, mutual: true }], []],
    topicOf: new Int32Array([0, 0, 1, 1, -1]),
    map: new Float64Array([0.1, 0.1, 0.2, 0.15, 0.8, 0.8, 0.85, 0.9, 0.5, 0.5]),
    projection: 'Map: a test projection',
  };
}

/** Loads the page in jsdom with its script running; canvas drawing is stubbed since jsdom has no canvas. */
function openPage(html: string): JSDOM {
  // an error in the page's script fails the test instead of being printed
  const virtualConsole = new VirtualConsole();
  virtualConsole.on('jsdomError', (error) => {
    throw error;
  });
  return new JSDOM(html, {
    runScripts: 'dangerously',
    pretendToBeVisual: true,
    virtualConsole,
    beforeParse(window) {
      const noop = () => {};
      const measureText = (text: string) => ({ width: text.length * 7 });
      const context = new Proxy({}, { get: (_, key) => (key === 'measureText' ? measureText : noop), set: () => true });
      window.HTMLCanvasElement.prototype.getContext = (() => context) as never;
      window.alert = () => {
        throw new Error('a paper title ran as script');
      };
    },
  });
}

describe('report.html', () => {
  const html = toHtml(sampleData());

  test('is self-contained: no external scripts, styles, images or fonts', () => {
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=|<img|@import|url\(|https?:\/\//i);
  });

  test('paper text stays text: the markup title does not become an element', () => {
    const dom = openPage(html);
    const { document } = dom.window;
    expect(document.querySelectorAll('script')).toHaveLength(2);
    expect(document.querySelector('b')).toBeNull();
    expect(html).not.toContain(EVIL);
    // search the title, open it, and read it back as text
    const search = document.getElementById('search') as HTMLInputElement;
    search.value = 'alert';
    search.dispatchEvent(new dom.window.Event('input'));
    const hits = [...document.querySelectorAll('#matches button')];
    expect(hits.map((hit) => hit.textContent)).toEqual([EVIL]);
    (hits[0] as HTMLButtonElement).click();
    const details = document.getElementById('details')!;
    expect(details.querySelector('h2')!.textContent).toBe(EVIL);
    expect(details.querySelector('.abstract')!.textContent).toBe('An abstract with <b>tags</b> & ampersands.');
    expect(details.querySelector('.meta')!.textContent).toBe('Topic 0: speech, <TTS> · id p0');
    expect([...details.querySelectorAll('li button')].map((related) => related.textContent)).toEqual(['Speech synthesis with flow matching']);
    expect(details.querySelectorAll('script, b')).toHaveLength(0);
  });

  test('lists every topic with its size, shows the fallback notice, and opens outliers with their nearest topic', () => {
    const dom = openPage(html);
    const { document } = dom.window;
    expect([...document.querySelectorAll('#topics button')].map((topic) => topic.textContent)).toEqual(['0: speech, <TTS> 2', '1: reasoning 2']);
    expect(document.getElementById('notice')!.hidden).toBe(false);
    expect(document.getElementById('notice')!.textContent).toContain('MiniLM weights not found');
    expect(document.getElementById('heading')!.textContent).toBe('Paper map: 5 papers in 2 topics');
    const search = document.getElementById('search') as HTMLInputElement;
    search.value = 'gardening';
    search.dispatchEvent(new dom.window.Event('input'));
    (document.querySelector('#matches button') as HTMLButtonElement).click();
    expect(document.querySelector('#details .meta')!.textContent).toBe('Outlier; nearest topic 1: reasoning · id p4');
  });
});

/** The sample with each paper's nearest papers (neighbours.bin): the gardening paper's are all below the floor. */
function withNearest(): ReportData {
  const data = sampleData();
  const k = 3;
  const lists = [[1, 2, 3], [0, 3, 2], [3, 1, 0], [2, 1, 0], [2, 3, 1]];
  const scores = [[0.8, 0.2, 0.1], [0.8, 0.25, 0.2], [0.7, 0.2, 0.1], [0.7, 0.2, 0.1], [0.12, 0.11, 0.05]];
  return { ...data, nearest: { k, labels: Int32Array.from(lists.flat()), scores: Float32Array.from(scores.flat()) } };
}

function search(dom: JSDOM, text: string): HTMLButtonElement[] {
  const input = dom.window.document.getElementById('search') as HTMLInputElement;
  input.value = text;
  input.dispatchEvent(new dom.window.Event('input'));
  return [...dom.window.document.querySelectorAll('#matches button')] as HTMLButtonElement[];
}

describe('nearest papers below the similarity floor', () => {
  test('the details panel shows them greyed and marked weak, after the related ones', () => {
    const dom = openPage(toHtml(withNearest()));
    const { document } = dom.window;
    search(dom, 'gardening')[0].click();
    const details = document.getElementById('details')!;
    expect(details.querySelector('h3')!.textContent).toBe('No related papers above the similarity floor (0.30)');
    const weak = [...details.querySelectorAll('ol.weak li')].map((item) => item.textContent);
    expect(weak).toEqual(['Chain-of-thought prompting 0.12 · weak', 'Self-consistency | pipes * stars _under_ 0.11 · weak', 'Speech synthesis with flow matching 0.05 · weak']);
    search(dom, 'Speech')[0].click();
    expect([...details.querySelectorAll('ol:not(.weak) li button')].map((item) => item.textContent)).toEqual([EVIL]);
    expect([...details.querySelectorAll('ol.weak li button')].map((item) => item.textContent)).toEqual(['Self-consistency | pipes * stars _under_', 'Chain-of-thought prompting']);
  });

  test('report.md lists them, marked weak, where a paper has fewer than 3 related papers', () => {
    const markdown = toMarkdown(withNearest());
    expect(markdown).toContain('- **A paper about gardening** `p4`: nearest topic [1: reasoning](#topic-1) (similarity 0.10)  \n  nearest (all below the similarity floor): Chain-of-thought prompting (0.12, weak); Self-consistency \\| pipes \\* stars \\_under\\_ (0.11, weak); Speech synthesis with flow matching (0.05, weak)');
    expect(markdown).toContain('related: Speech synthesis with flow matching (0.80); Chain-of-thought prompting (0.20, weak); Self-consistency \\| pipes \\* stars \\_under\\_ (0.10, weak)');
    expect(markdown).toContain('marked _weak_');
  });
});

describe('topic colours and two levels of topics', () => {
  test('the palette keeps colours apart for many topics', () => {
    for (const count of [10, 20, 30]) {
      const colours = distinctColours(count);
      let closest = Infinity;
      colours.forEach((a, i) => colours.slice(0, i).forEach((b) => (closest = Math.min(closest, Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2])))));
      expect(closest, String(count)).toBeGreaterThan(0.1);
    }
  });

  test('fine topics are lightness steps of their broad topic\'s colour', () => {
    const colours = topicColours(5, [[0, 3, 1], [2, 4]]);
    expect(new Set(colours.fine).size).toBe(5);
    const lab = (hex: string) => rgbToOklab([1, 3, 5].map((at) => parseInt(hex.slice(at, at + 2), 16)) as [number, number, number]);
    const hue = (hex: string) => Math.atan2(lab(hex)[2], lab(hex)[1]);
    // darker to lighter in the order given (biggest first), hue kept
    expect(lab(colours.fine[0])[0]).toBeLessThan(lab(colours.fine[3])[0]);
    expect(lab(colours.fine[3])[0]).toBeLessThan(lab(colours.fine[1])[0]);
    expect(Math.abs(hue(colours.fine[0]) - hue(colours.fine[1]))).toBeLessThan(0.15);
  });

  test('map labels are cut at a comma', () => {
    expect(shortLabel('speculative decoding, draft, LLM inference')).toBe('speculative decoding, draft');
    expect(shortLabel('an extremely long single topic label without commas')).toBe('an extremely long single to…');
  });

  test('broad topics group the topic list and the legend; without them each topic is its own', () => {
    const data = sampleData();
    const flat = openPage(toHtml(data)).window.document;
    expect([...flat.querySelectorAll('#legend .chip')].map((chip) => chip.textContent)).toEqual(['speech, <TTS>', 'reasoning', 'outlier']);
    (data.clusters as unknown as { broadTopics: unknown }).broadTopics = [{ id: 0, label: 'language, speech', keywords: ['language'], size: 4, topicIds: [1, 0] }];
    const dom = openPage(toHtml(data));
    const { document } = dom.window;
    expect([...document.querySelectorAll('#topics > li > button')].map((button) => button.textContent)).toEqual(['language, speech 4']);
    expect([...document.querySelectorAll('#topics li li button')].map((button) => button.textContent)).toEqual(['0: speech, <TTS> 2', '1: reasoning 2']);
    expect([...document.querySelectorAll('#legend .chip')].map((chip) => chip.textContent)).toEqual(['language, speech', 'outlier']);
    expect(document.querySelectorAll('#legend .chip')[0].querySelectorAll('.swatch')).toHaveLength(2);
    // clicking a broad topic filters to its fine topics; again, to all
    const broad = document.querySelector('#topics > li > button') as HTMLButtonElement;
    broad.click();
    expect(broad.classList.contains('active')).toBe(true);
    broad.click();
    expect(broad.classList.contains('active')).toBe(false);
  });
});

describe('report.md', () => {
  test('escapes Markdown and HTML in paper text', () => {
    expect(escapeMarkdown('a | b * c _d_ <i>')).toBe('a \\| b \\* c \\_d\\_ &lt;i&gt;');
    const markdown = toMarkdown(sampleData());
    expect(markdown).not.toContain('<script>');
    expect(markdown).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(markdown).toContain('Self-consistency \\| pipes \\* stars \\_under\\_');
  });

  test('has the corpus summary, every topic with keywords and representatives, and the outliers', () => {
    const markdown = toMarkdown(sampleData());
    expect(markdown).toMatch(/^# Paper map: 5 papers in 2 broad topics and 2 topics$/m);
    expect(markdown).toContain('the shipped all-MiniLM-L6-v2 could not be used (MiniLM weights not found)');
    expect(markdown).toContain('| 0 | [0: speech, &lt;TTS&gt;](#topic-0) | 2 | 0.800 | 0.200 | 0.900 | [1: reasoning](#topic-1) (0.20) |');
    expect(markdown).toContain('Part of **reasoning** · coherence 0.200 · stability 0.900');
    expect(markdown).toMatch(/## Topic 1: reasoning\n\nPart of \*\*reasoning\*\* · coherence 0.200 · stability 0.900\n\n\*\*Keywords:\*\* reasoning/);
    expect(markdown).toContain('1. Chain-of-thought prompting\n2. Self-consistency');
    expect(markdown).toContain('related: Speech synthesis with flow matching (0.80)');
    expect(markdown).toContain('- **A paper about gardening** `p4`: nearest topic [1: reasoning](#topic-1) (similarity 0.10)');
  });
});

describe('the map projection', () => {
  test('in a large corpus, papers outside the sample sit at the weighted mean of their placed neighbours', () => {
    // 12 papers in two groups; rows 0-3 and 6-9 are sampled, 4, 5, 10, 11 are placed afterwards
    const k = 3;
    const group = (row: number) => (row < 6 ? 0 : 6);
    const neighbours = { k, labels: new Int32Array(12 * k), scores: new Float32Array(12 * k).fill(0.8) };
    for (let row = 0; row < 12; row++) [1, 2, 3].forEach((step, slot) => (neighbours.labels[row * k + slot] = group(row) + ((row - group(row) + step) % 6)));
    neighbours.scores[5 * k] = 0.4; // row 5's nearest (row 0) counts half
    const sample = Int32Array.from([0, 1, 2, 3, 6, 7, 8, 9]);
    const position = new Map(Array.from(sample, (row, index) => [row, index]));
    const sampleNeighbours = { k, labels: new Int32Array(8 * k), scores: new Float32Array(8 * k).fill(0.8) };
    sample.forEach((row, index) => sample.filter((other) => other !== row && group(other) === group(row)).forEach((other, slot) => (sampleNeighbours.labels[index * k + slot] = position.get(other)!)));
    const map = mapWithSample(sample, sampleNeighbours, neighbours, 12, 42);
    const at = (row: number) => [map[row * 2], map[row * 2 + 1]];
    // row 4's neighbours: 5 (unplaced at first), 0, 1
    expect(at(4)[0]).toBeCloseTo((at(0)[0] + at(1)[0]) / 2, 3);
    // row 5's neighbours: 0 (weight 0.4), 1, 2 (0.8 each)
    expect(at(5)[1]).toBeCloseTo((0.4 * at(0)[1] + 0.8 * at(1)[1] + 0.8 * at(2)[1]) / 2, 3);
    expect(map.every((value) => value >= 0 && value <= 1)).toBe(true);
    expect(Array.from(mapWithSample(sample, sampleNeighbours, neighbours, 12, 42))).toEqual(Array.from(map));
  });

  test('finds nearly every sampled paper\'s nearest sampled papers two steps along the neighbour lists', () => {
    // 600 unit vectors around 6 topic centres in 16 dimensions; half of them sampled
    const dim = 16;
    const random = seededRandom(7);
    const gaussian = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    const centres = Array.from({ length: 6 }, () => Array.from({ length: dim }, gaussian));
    const vectors = new Float32Array(600 * dim);
    for (let row = 0; row < 600; row++) {
      const point = centres[row % 6].map((value) => value + 0.6 * gaussian());
      const norm = Math.hypot(...point);
      point.forEach((value, d) => (vectors[row * dim + d] = value / norm));
    }
    const neighbours = exactNeighbours(vectors, dim, vectors, 10, (query, label) => query === label);
    const sample = sampleRows(600, 300, 42);
    const within = neighboursWithinSample(vectors, dim, sample, neighbours, 5);
    const sampled = gatherRows(vectors, dim, sample);
    const truth = exactNeighbours(sampled, dim, sampled, 5, (query, label) => query === label);
    expect(recallAtK(within, truth)).toBeGreaterThan(0.95);
    // scores are the true similarities of the positions found, best first
    for (let index = 0; index < sample.length; index++) {
      for (let slot = 0; slot < 5; slot++) {
        const other = within.labels[index * 5 + slot];
        expect(other).not.toBe(index);
        let score = 0;
        for (let d = 0; d < dim; d++) score += sampled[index * dim + d] * sampled[other * dim + d];
        expect(within.scores[index * 5 + slot]).toBeCloseTo(score, 5);
        if (slot > 0) expect(within.scores[index * 5 + slot]).toBeLessThanOrEqual(within.scores[index * 5 + slot - 1]);
      }
    }
  });

  test('places papers in the unit square, neighbours close, the same way every time', () => {
    // two groups of 10 papers; each paper's neighbours are the rest of its group
    const k = 9;
    const labels = new Int32Array(20 * k);
    const scores = new Float32Array(20 * k).fill(0.9);
    for (let row = 0; row < 20; row++) {
      const group = Math.floor(row / 10) * 10;
      let slot = 0;
      for (let other = group; other < group + 10; other++) if (other !== row) labels[row * k + slot++] = other;
    }
    const map = mapPapers({ k, labels, scores }, 20, 42);
    expect(Array.from(map)).toEqual(Array.from(mapPapers({ k, labels, scores }, 20, 42)));
    for (const value of map) expect(value).toBeGreaterThanOrEqual(0), expect(value).toBeLessThanOrEqual(1);
    const centre = (group: number) => [0, 1].map((axis) => map.filter((_, index) => index % 2 === axis && Math.floor(index / 20) === group).reduce((a, b) => a + b) / 10);
    const [a, b] = [centre(0), centre(1)];
    const gap = Math.hypot(a[0] - b[0], a[1] - b[1]);
    expect(gap).toBeGreaterThan(0.3);
  });
});
