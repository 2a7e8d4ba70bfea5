import { JSDOM, VirtualConsole } from 'jsdom';
import { describe, expect, test } from 'vitest';
import type { Clusters } from '../../src/cluster/index.js';
import type { Changes } from '../../src/report/changes.js';
import { colourDistance, distinctColours, hexToOklab, topicColours } from '../../src/report/colours.js';
import { pageData as buildPageData, shortLabel, toHtml } from '../../src/report/html.js';
import { decodePoints, type PageData } from '../../src/report/map/data.js';
import { DETAILS_PAPERS } from '../../src/report/page.js';
import { sampleByTopic } from '../../src/report/sample.js';
import { escapeMarkdown, PAPERS_SHOWN, toMarkdown } from '../../src/report/markdown.js';
import type { ReportData } from '../../src/report/model.js';
import { whatsNew } from '../../src/report/news.js';
import { mapPapers, placeAround } from '../../src/report/projection.js';
import { seededRandom } from '../../src/shared/random.js';
import { detailsOf, type Paper } from '../../src/store/read.js';
import type { IndexInfo, VectorsInfo } from '../../src/store/schemas.js';
import { relatedGraph } from '../helpers.js';

const EVIL = '<script>alert(1)</script>';

function paper(id: string, title: string, abstract: string): Paper {
  return { id, title, abstract, sources: ['x.jsonl'], metadata: {} };
}

/**
 * A night that added the markup title and the gardening paper, changed one,
 * removed one, and moved topics about in every way there is.
 */
const NIGHT: Changes = {
  since: { papers: 4, topics: 7 },
  counts: { papers: 5, added: 2, changed: 1, removed: 1 },
  added: [
    { id: 'p0', title: EVIL, topic: 0, nearestOlder: [{ id: 'p1', title: 'Speech synthesis with flow matching', score: 0.8 }] },
    {
      id: 'p4',
      title: 'A paper about gardening',
      topic: null,
      nearestOlder: [
        { id: 'p2', title: 'Chain-of-thought prompting', score: 0.12 },
        { id: 'p3', title: 'Self-consistency | pipes * stars _under_', score: 0.11 },
      ],
    },
  ],
  changed: [{ id: 'p2', title: 'Chain-of-thought prompting', topic: 1 }],
  removed: [{ id: 'p9', title: 'A <b>removed</b> paper' }],
  topics: {
    grewMost: [{ id: 0, label: 'speech, <TTS>', before: 1, after: 2 }],
    births: [1],
    deaths: [3],
    merges: [{ into: 1, from: [4, 5] }],
    splits: [{ from: 6, into: [0, 1] }],
    refit: 'refit asked for with --refit',
  },
};

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
      {
        id: 0,
        label: 'speech, <TTS>',
        keywords: ['speech', '<TTS>'],
        size: 2,
        cohesion: 0.8,
        nearestTopic: { id: 1, similarity: 0.2 },
        representatives: ['p1', 'p0'],
        paperIds: ['p1', 'p0'],
        parent: 0,
        coherence: 0.2,
        stability: 0.9,
        weak: false,
      },
      {
        id: 1,
        label: 'reasoning',
        keywords: ['reasoning'],
        size: 2,
        cohesion: 0.7,
        nearestTopic: { id: 0, similarity: 0.2 },
        representatives: ['p2', 'p3'],
        paperIds: ['p2', 'p3'],
        parent: 1,
        coherence: 0.2,
        stability: 0.9,
        weak: false,
      },
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
      nights: [],
    },
    overTime: null,
  };
  const vectors: VectorsInfo = {
    model: 'builtin',
    modelIdentity: 'builtin-x',
    fallbackReason: 'MiniLM weights not found',
    dim: 2,
    count: 5,
    normalized: true,
    papersHash: 'p',
    vectorsHash: 'v',
  };
  const index: IndexInfo = {
    model: 'builtin',
    modelIdentity: 'builtin-x',
    dim: 2,
    count: 5,
    space: 'cosine',
    search: 'exact',
    hnsw: { m: 16, efConstruction: 200, efSearch: 64 },
    graph: { neighbours: 10, minSimilarity: 0.3, minSimilarityRule: 'rule' },
    storedNeighbours: 4,
    vectorsHash: 'v',
    hnswHash: 'h',
    ids: papers.map((p) => p.id),
    labels: papers.map((p) => p.id),
    fingerprints: papers.map(() => '0'),
    update: { kind: 'built', added: 5, removed: 0, searchedAgain: 0 },
  };
  return {
    version: '0.1.0',
    papers,
    shownOf: (rows) => Array.from(rows, (row) => ({ abstract: papers[row].abstract, ...detailsOf(papers[row]) })),
    vectors,
    index,
    clusters,
    related: relatedGraph([
      [{ row: 1, score: 0.8, mutual: true }],
      [{ row: 0, score: 0.8, mutual: true }],
      [{ row: 3, score: 0.7, mutual: true }],
      [{ row: 2, score: 0.7, mutual: true }],
      [],
    ]),
    topicOf: new Int32Array([0, 0, 1, 1, -1]),
    map: new Float64Array([0.1, 0.1, 0.2, 0.15, 0.8, 0.8, 0.85, 0.9, 0.5, 0.5]),
    projection: 'Map: a test projection',
    changes: NIGHT,
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
      // a 2D canvas only, as in a browser without WebGL: the page falls back to it
      window.HTMLCanvasElement.prototype.getContext = ((kind: string) => (kind === '2d' ? context : null)) as never;
      window.alert = () => {
        throw new Error('a paper title ran as script');
      };
    },
  });
}

describe('report.html', () => {
  const html = toHtml(sampleData());

  test('is self-contained: no external scripts, styles, images or fonts', () => {
    // the SVG namespace the charts are made in is a name, not an address anything is fetched from
    expect(html.replace(/(['"])http:\/\/www\.w3\.org\/2000\/svg\1/g, '')).not.toMatch(/<script[^>]+src=|<link[^>]+href=|<img|@import|url\(|https?:\/\//i);
  });

  test('paper text stays text: the markup title does not become an element', () => {
    const dom = openPage(html);
    const { document } = dom.window;
    expect(document.querySelectorAll('script')).toHaveLength(3);
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

/** The sample after runs that kept topic ids: topic 0 is now 7, topic 1 is 3 (listed first), broad topics 5 and 2. */
function withKeptIds(): ReportData {
  const data = sampleData();
  const id = [7, 3];
  const broad = [5, 2];
  const { clusters } = data;
  const topics = clusters.topics.map((topic) => ({
    ...topic,
    id: id[topic.id],
    parent: broad[topic.parent],
    nearestTopic: topic.nearestTopic && { ...topic.nearestTopic, id: id[topic.nearestTopic.id] },
  }));
  return {
    ...data,
    clusters: {
      ...clusters,
      topics: [topics[1], topics[0]],
      broadTopics: clusters.broadTopics.map((group) => ({ ...group, id: broad[group.id], topicIds: group.topicIds.map((topic) => id[topic]) })),
      outliers: clusters.outliers.map((outlier) => ({ ...outlier, nearestTopic: id[outlier.nearestTopic] })),
    },
    topicOf: data.topicOf.map((topic) => (topic < 0 ? -1 : id[topic])),
    changes: {
      ...NIGHT,
      added: NIGHT.added.map((entry) => ({ ...entry, topic: entry.topic === null ? null : id[entry.topic] })),
      changed: NIGHT.changed.map((entry) => ({ ...entry, topic: entry.topic === null ? null : id[entry.topic] })),
      topics: {
        ...NIGHT.topics,
        grewMost: [{ id: 7, label: 'speech, <TTS>', before: 1, after: 2 }],
        births: [3],
        merges: [{ into: 3, from: [4, 5] }],
        splits: [{ from: 6, into: [7, 3] }],
      },
    },
  };
}

describe('topic ids that are not places in the list (kept across runs)', () => {
  test('both reports name, link and colour each topic by its id', () => {
    const data = withKeptIds();
    const markdown = toMarkdown(data);
    expect(markdown).toContain('| 7 | [7: speech, &lt;TTS&gt;](#topic-7) | 2 |');
    expect(markdown).toContain('## Topic 3: reasoning');
    expect(markdown).toContain('nearest topic [3: reasoning](#topic-3)');
    const html = toHtml(data);
    const dom = openPage(html);
    const { document } = dom.window;
    expect([...document.querySelectorAll('#topics button.topic:not(.broad)')].map((topic) => topic.textContent).sort()).toEqual([
      '3: reasoning 2',
      '7: speech, <TTS> 2',
    ]);
    const page = pageData(html);
    // each paper's topic is its topic's place on the page (plus one; 0 an outlier), whose id is the topic's id
    expect(Array.from(pointsOfPage(html, page).topic, (topic) => (topic === 0 ? -1 : page.topics[topic - 1].id))).toEqual([7, 7, 3, 3, -1]);
    search(dom, 'gardening')[0].click();
    expect(document.querySelector('#details .meta')!.textContent).toBe('Outlier; nearest topic 3: reasoning · id p4');
    (document.querySelector('#news [data-topic="7"]') as HTMLElement).click();
    expect(document.querySelector('#topics button.active')!.textContent).toBe('7: speech, <TTS> 2');
  });
});

/** The sample with each paper's nearest papers (neighbours.bin): the gardening paper's are all below the floor. */
function withNearest(): ReportData {
  const data = sampleData();
  const k = 3;
  const lists = [
    [1, 2, 3],
    [0, 3, 2],
    [3, 1, 0],
    [2, 1, 0],
    [2, 3, 1],
  ];
  const scores = [
    [0.8, 0.2, 0.1],
    [0.8, 0.25, 0.2],
    [0.7, 0.2, 0.1],
    [0.7, 0.2, 0.1],
    [0.12, 0.11, 0.05],
  ];
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
    expect(weak).toEqual([
      'Chain-of-thought prompting 0.12 · weak',
      'Self-consistency | pipes * stars _under_ 0.11 · weak',
      'Speech synthesis with flow matching 0.05 · weak',
    ]);
    search(dom, 'Speech')[0].click();
    expect([...details.querySelectorAll('ol:not(.weak) li button')].map((item) => item.textContent)).toEqual([EVIL]);
    expect([...details.querySelectorAll('ol.weak li button')].map((item) => item.textContent)).toEqual([
      'Self-consistency | pipes * stars _under_',
      'Chain-of-thought prompting',
    ]);
  });

  test('report.md lists them, marked weak, where a paper has fewer than 3 related papers', () => {
    const markdown = toMarkdown(withNearest());
    expect(markdown).toContain(
      '- **A paper about gardening** `p4`: nearest topic [1: reasoning](#topic-1) (similarity 0.10)  \n  nearest (all below the similarity floor): Chain-of-thought prompting (0.12, weak); Self-consistency \\| pipes \\* stars \\_under\\_ (0.11, weak); Speech synthesis with flow matching (0.05, weak)',
    );
    expect(markdown).toContain(
      'related: Speech synthesis with flow matching (0.80); Chain-of-thought prompting (0.20, weak); Self-consistency \\| pipes \\* stars \\_under\\_ (0.10, weak)',
    );
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

  test('fine topics of one broad topic differ in hue, at least a minimum distance apart, whatever the grouping', () => {
    const lab = (hex: string) => hexToOklab(hex);
    const hue = (hex: string) => Math.atan2(lab(hex)[2], lab(hex)[1]);
    // lightness steps of one hue (the page before) were 0.096, 0.069, 0.044, 0.025 and 0.017 apart in these five cases
    for (const [broad, fine, least] of [
      [3, 6, 0.12],
      [6, 8, 0.08],
      [9, 12, 0.05],
      [12, 20, 0.05],
      [2, 30, 0.07],
    ]) {
      const groups = Array.from({ length: broad }, (_, group) => Array.from({ length: fine }, (_, member) => group * fine + member));
      const colours = topicColours(broad * fine, groups);
      expect(new Set(colours.fine).size, `${broad} x ${fine}`).toBe(broad * fine);
      let closest = Infinity;
      let hues = 0;
      for (const members of groups) {
        for (const a of members) for (const b of members) if (a < b) closest = Math.min(closest, colourDistance(lab(colours.fine[a]), lab(colours.fine[b])));
        hues = Math.max(hues, new Set(members.map((topic) => Math.round((hue(colours.fine[topic]) * 180) / Math.PI / 5))).size);
      }
      expect(closest, `${broad} x ${fine}`).toBeGreaterThanOrEqual(least);
      // not lightness steps of one hue: several hues within a broad topic
      expect(hues, `${broad} x ${fine}`).toBeGreaterThan(2);
    }
    // the biggest fine topic takes its broad topic's own colour
    const two = topicColours(5, [
      [0, 3, 1],
      [2, 4],
    ]);
    expect(colourDistance(lab(two.fine[0]), lab(two.broad[0]))).toBeLessThan(0.02);
    expect(colourDistance(lab(two.fine[2]), lab(two.broad[1]))).toBeLessThan(0.02);
  });

  test('map labels are cut at a comma', () => {
    expect(shortLabel('speculative decoding, draft, LLM inference')).toBe('speculative decoding, draft');
    expect(shortLabel('an extremely long single topic label without commas')).toBe('an extremely long single to…');
  });

  test('broad topics group the topic list and the legend; without them each topic is its own', () => {
    const data = sampleData();
    const flat = openPage(toHtml(data)).window.document;
    expect([...flat.querySelectorAll('#legend .chip')].map((chip) => chip.textContent)).toEqual(['speech, <TTS>', 'reasoning', 'outlier']);
    (data.clusters as unknown as { broadTopics: unknown }).broadTopics = [
      { id: 0, label: 'language, speech', keywords: ['language'], size: 4, topicIds: [1, 0] },
    ];
    const dom = openPage(toHtml(data));
    const { document } = dom.window;
    expect([...document.querySelectorAll('#topics > li > button')].map((button) => button.textContent)).toEqual(['language, speech 4']);
    expect([...document.querySelectorAll('#topics li li button')].map((button) => button.textContent)).toEqual(['0: speech, <TTS> 2', '1: reasoning 2']);
    // the legend lists both levels: the broad topic, then its fine topics
    expect([...document.querySelectorAll('#legend .chip')].map((chip) => chip.textContent)).toEqual([
      'language, speech',
      'speech, <TTS>',
      'reasoning',
      'outlier',
    ]);
    expect(document.querySelector('#legend .chip.broad')!.textContent).toBe('language, speech');
    (document.querySelectorAll('#legend .chip')[2] as HTMLButtonElement).click();
    expect([...document.querySelectorAll('#topics button.active')].map((button) => button.textContent)).toEqual(['1: reasoning 2']);
    (document.querySelectorAll('#legend .chip')[2] as HTMLButtonElement).click();
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
    sample.forEach((row, index) =>
      sample
        .filter((other) => other !== row && group(other) === group(row))
        .forEach((other, slot) => (sampleNeighbours.labels[index * k + slot] = position.get(other)!)),
    );
    const laidOut = { rows: sample, xy: mapPapers(sampleNeighbours, sample.length, 42) };
    const map = placeAround(laidOut, neighbours, 12);
    sample.forEach((row, index) => expect([map[row * 2], map[row * 2 + 1]]).toEqual([laidOut.xy[index * 2], laidOut.xy[index * 2 + 1]]));
    const at = (row: number) => [map[row * 2], map[row * 2 + 1]];
    // row 4's neighbours: 5 (unplaced at first), 0, 1
    expect(at(4)[0]).toBeCloseTo((at(0)[0] + at(1)[0]) / 2, 3);
    // row 5's neighbours: 0 (weight 0.4), 1, 2 (0.8 each)
    expect(at(5)[1]).toBeCloseTo((0.4 * at(0)[1] + 0.8 * at(1)[1] + 0.8 * at(2)[1]) / 2, 3);
    expect(map.every((value) => value >= 0 && value <= 1)).toBe(true);
    expect(Array.from(placeAround({ rows: sample, xy: mapPapers(sampleNeighbours, sample.length, 42) }, neighbours, 12))).toEqual(Array.from(map));
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
    for (const value of map) {
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThanOrEqual(1);
    }
    const centre = (group: number) =>
      [0, 1].map((axis) => map.filter((_, index) => index % 2 === axis && Math.floor(index / 20) === group).reduce((a, b) => a + b) / 10);
    const [a, b] = [centre(0), centre(1)];
    const gap = Math.hypot(a[0] - b[0], a[1] - b[1]);
    expect(gap).toBeGreaterThan(0.3);
  });
});

describe("What's new", () => {
  test('report.md: counts, papers with topic and nearest older papers, removed papers, and every kind of topic change, escaped', () => {
    const markdown = toMarkdown(sampleData());
    const start = markdown.indexOf("## What's new");
    expect(start).toBeGreaterThan(markdown.indexOf('| Papers |'));
    expect(markdown.slice(start, markdown.indexOf('## How the map was made'))).toBe(
      [
        "## What's new",
        '',
        'Since the previous run (4 papers in 7 topics): 2 added, 1 changed, 1 removed; 5 papers now.',
        '',
        '### New papers (2)',
        '',
        '- **&lt;script&gt;alert(1)&lt;/script&gt;** · topic [0: speech, &lt;TTS&gt;](#topic-0) · nearest older: Speech synthesis with flow matching (0.80)',
        '- **A paper about gardening** · topic outlier · nearest older: Chain-of-thought prompting (0.12); Self-consistency \\| pipes \\* stars \\_under\\_ (0.11)',
        '',
        '### Changed papers (title or abstract) (1)',
        '',
        '- **Chain-of-thought prompting** · topic [1: reasoning](#topic-1)',
        '',
        '### Removed papers (1)',
        '',
        '- **A &lt;b&gt;removed&lt;/b&gt; paper**',
        '',
        '### Topics',
        '',
        '- The topics were fitted anew (refit asked for with --refit); each kept the id of the earlier topic it continues.',
        '- Grew most: [0: speech, &lt;TTS&gt;](#topic-0) 1 → 2',
        '- New: [1: reasoning](#topic-1)',
        '- Gone: topic 3 of the previous run',
        '- Merged: topics 4, 5 of the previous run into [1: reasoning](#topic-1)',
        '- Split: topic 6 of the previous run into [0: speech, &lt;TTS&gt;](#topic-0), [1: reasoning](#topic-1)',
        '',
        '',
      ].join('\n'),
    );
  });

  test('each list names at most so many papers, then says how many more are in changes.json', () => {
    const news = whatsNew(NIGHT, sampleData().clusters.topics, 1);
    expect(news.lists.map((list) => [list.heading, list.items.length, list.more])).toEqual([
      ['New papers (2)', 1, '… and 1 more (all in changes.json)'],
      ['Changed papers (title or abstract) (1)', 1, undefined],
      ['Removed papers (1)', 1, undefined],
    ]);
  });

  test('a first run, and a previous run without topics, each in a line', () => {
    const topics = sampleData().clusters.topics;
    const first: Changes = { ...NIGHT, since: null, counts: { papers: 5, added: 5, changed: 0, removed: 0 }, added: [], changed: [], removed: [] };
    expect(whatsNew(first, topics)).toEqual({
      summary: 'First run: there is no earlier run to compare with, so all 5 papers are new and none is listed.',
      lists: [],
      topics: [],
    });
    const noTopics = whatsNew({ ...NIGHT, since: { papers: 4, topics: null } }, topics);
    expect(noTopics.summary).toBe('Since the previous run (4 papers): 2 added, 1 changed, 1 removed; 5 papers now.');
    expect(noTopics.topics).toEqual([['The previous run has no topics to compare with.']]);
  });

  test('report.html: at the top, escaped; a topic filters the map, a paper on the map opens', () => {
    const html = toHtml(sampleData());
    expect(html).not.toContain('<b>removed</b>');
    const dom = openPage(html);
    const { document } = dom.window;
    const news = document.getElementById('news')!;
    expect(news.parentElement!.tagName).toBe('HEADER');
    expect(news.querySelector('p')!.textContent).toBe(
      "What's new: Since the previous run (4 papers in 7 topics): 2 added, 1 changed, 1 removed; 5 papers now.",
    );
    expect([...news.querySelectorAll('h2')].map((heading) => heading.textContent)).toEqual([
      'New papers (2)',
      'Changed papers (title or abstract) (1)',
      'Removed papers (1)',
      'Topics',
    ]);
    expect(news.querySelector('li')!.textContent).toBe(`${EVIL} · topic 0: speech, <TTS> · nearest older: Speech synthesis with flow matching (0.80)`);
    expect(news.querySelectorAll('script, b')).toHaveLength(0);
    (news.querySelector('button[data-topic="1"]') as HTMLButtonElement).click();
    expect(document.querySelector('#topics button.active')!.textContent).toBe('1: reasoning 2');
    (news.querySelector('.paper[data-paper="p4"]') as HTMLElement).click();
    expect(document.querySelector('#details h2')!.textContent).toBe('A paper about gardening');
    // a removed paper is not on the map: its title stays text
    expect(news.querySelector('.paper[data-paper="p9"]')!.classList.contains('link')).toBe(false);
  });
});

/**
 * `count` papers in three topics of 50%, 30% and 15% and 5% outliers, each
 * related to the next paper and the seventh after it.
 */
function bigData(count: number): ReportData {
  const data = sampleData();
  const topicOf = Int32Array.from({ length: count }, (_, row) => (row % 10 < 5 ? 0 : row % 10 < 8 ? 1 : row % 20 === 9 ? -1 : 2));
  const papers = Array.from({ length: count }, (_, row) => paper(`p${row}`, `Paper ${row} of topic ${topicOf[row]}`, `Abstract ${row}.`));
  const members = [0, 1, 2].map((topic) => papers.filter((_, row) => topicOf[row] === topic).map((entry) => entry.id));
  const topics = members.map((paperIds, id) => ({
    ...data.clusters.topics[id % 2],
    id,
    label: `topic ${id}`,
    size: paperIds.length,
    paperIds,
    representatives: paperIds.slice(0, 3),
    parent: id,
    nearestTopic: null,
  }));
  const clusters: Clusters = {
    ...data.clusters,
    k: 3,
    topics,
    outliers: papers.filter((_, row) => topicOf[row] < 0).map((entry) => ({ id: entry.id, nearestTopic: 0, similarity: 0.1 })),
    broadTopics: topics.map((topic) => ({ id: topic.id, label: topic.label, keywords: [], size: topic.size, topicIds: [topic.id], coherence: 0.1 })),
  };
  const random = seededRandom(3);
  return {
    ...data,
    papers,
    shownOf: (rows) => Array.from(rows, (row) => ({ abstract: papers[row].abstract, ...detailsOf(papers[row]) })),
    clusters,
    topicOf,
    related: relatedGraph(
      papers.map((_, row) => [
        { row: (row + 1) % count, score: 0.8, mutual: true },
        { row: (row + 7) % count, score: 0.6, mutual: false },
      ]),
    ),
    map: Float64Array.from({ length: count * 2 }, () => random()),
    changes: { ...NIGHT, since: null, counts: { papers: count, added: count, changed: 0, removed: 0 }, added: [], changed: [], removed: [] },
  };
}

const pageData = (html: string) => JSON.parse(/<script type="application\/json" id="papermap-data">(.*?)<\/script>/s.exec(html)![1]) as PageData;
const pointsOfPage = (html: string, page: PageData) =>
  decodePoints(
    Buffer.from(/<script type="application\/octet-stream" id="papermap-points">(.*?)<\/script>/s.exec(html)![1], 'base64'),
    page.total,
    page.colourings.length,
  );

describe('report.md at scale', () => {
  test(`a topic lists its ${PAPERS_SHOWN} most central papers, then how many more, and a small one all of its papers`, () => {
    const data = bigData(300);
    const markdown = toMarkdown(data);
    expect(markdown).toContain(
      '<details><summary>The 20 most central of its 150 papers, with their closest related papers</summary>\n\n- **Paper 0 of topic 0** `p0`',
    );
    expect(markdown).toContain(
      '- **Paper 34 of topic 0** `p34`  \n  related: Paper 35 of topic 1 (0.80); Paper 41 of topic 0 (0.60)\n- … and 130 more papers in this topic (every paper and its related papers are in related.json)\n\n</details>',
    );
    expect(markdown).toContain('- … and 70 more papers in this topic');
    expect(markdown).toContain('- … and 25 more papers in this topic');
    // 15 outliers: all listed
    expect(markdown.match(/: nearest topic \[0: topic 0\]/g)).toHaveLength(15);
    expect(markdown).not.toContain('more outliers');
  });

  test('the number listed is a parameter: outliers are cut too, in corpus order', () => {
    const markdown = toMarkdown(bigData(300), 10);
    expect(markdown).toContain('The 10 most central of its 45 papers');
    expect(markdown).toContain('- … and 35 more papers in this topic (every paper and its related papers are in related.json)');
    expect(markdown.match(/: nearest topic \[0: topic 0\]/g)).toHaveLength(10);
    expect(markdown).toContain('- **Paper 189 of topic -1** `p189`');
    expect(markdown).not.toContain('`p209`');
    expect(markdown).toContain('- … and 5 more outliers, after these first 10 in corpus order (every paper and its related papers are in related.json)');
    expect(toMarkdown(bigData(300), 44)).toContain('- … and 1 more paper in this topic (every paper');
    // a topic no bigger than the cap: every paper, said so
    expect(toMarkdown(sampleData(), 2)).toContain('<details><summary>All papers, with their closest related papers</summary>');
  });
});

describe('report.html at scale', () => {
  test('a sample stratified by topic: every topic in its share, seeded, in corpus order', () => {
    const topicOf = bigData(1000).topicOf;
    const sample = sampleByTopic(topicOf, 100, 42);
    expect(sample).toHaveLength(100);
    expect(new Set(sample).size).toBe(100);
    expect(Array.from(sample)).toEqual(Array.from(sample).sort((a, b) => a - b));
    const share = (topic: number) => Array.from(sample).filter((row) => topicOf[row] === topic).length;
    // 500, 300, 150 papers and 50 outliers: one each, the other 96 in proportion (495/996 of 96 = 47.7, ...)
    expect([0, 1, 2, -1].map(share)).toEqual([49, 30, 15, 6]);
    expect(Array.from(sampleByTopic(topicOf, 100, 42))).toEqual(Array.from(sample));
    expect(Array.from(sampleByTopic(topicOf, 100, 43))).not.toEqual(Array.from(sample));
    // fewer than the topics: still the size asked for
    expect(sampleByTopic(topicOf, 2, 42)).toHaveLength(2);
  });

  test('above the threshold every paper is a point, the details of a sample ride along, and the page says so', () => {
    const data = bigData(300);
    const html = toHtml(data, 50);
    const page = pageData(html);
    const points = pointsOfPage(html, page);
    expect(page.papers).toHaveLength(50);
    expect(page.papers.every((entry) => entry.a === `Abstract ${entry.id.slice(1)}.` && data.papers[entry.row].id === entry.id)).toBe(true);
    expect(page.total).toBe(300);
    // every paper is on the map, where the layout put it, in its topic
    expect(points.count).toBe(300);
    expect(Array.from(points.topic, (topic) => topic - 1)).toEqual(Array.from(data.topicOf));
    expect(Math.abs(points.x[7] / 65535 - data.map[14])).toBeLessThan(1e-4);
    expect(new Set(page.papers.map((entry) => points.topic[entry.row]))).toEqual(new Set([1, 2, 3, 0]));
    // neighbours without details are named by title; no other paper's id is in the file
    const detailed = new Set(page.papers.map((entry) => entry.row));
    const titled = new Map(page.titles);
    for (const entry of page.papers) for (const [row] of [...entry.r, ...(entry.w ?? [])]) expect(detailed.has(row) || titled.has(row)).toBe(true);
    for (const [row, title] of page.titles) expect(title).toBe(data.papers[row].title);
    for (const entry of data.papers) if (!page.papers.some((other) => other.id === entry.id)) expect(html).not.toContain(`"${entry.id}"`);

    const dom = openPage(html);
    const { document } = dom.window;
    const notice = document.getElementById('sample')!;
    expect(notice.hidden).toBe(false);
    expect(notice.textContent).toBe(
      'Every one of the 300 papers is on the map; the page carries the details (title, abstract, neighbours) of 50: a seeded sample (seed 42) stratified by topic, and the papers the last run added. Opened as a file, the title search looks through those; `papermap serve` shows every paper and searches them all by meaning.',
    );
    expect(document.getElementById('heading')!.textContent).toBe('Paper map: 300 papers in 3 topics');
    expect([...document.querySelectorAll('#topics button')].map((topic) => topic.textContent)).toEqual(['0: topic 0 150', '1: topic 1 90', '2: topic 2 45']);
    expect((document.getElementById('search') as HTMLInputElement).placeholder).toBe('Search titles of the papers with details…');
    const hits = search(dom, 'topic -1').map((hit) => hit.textContent);
    expect(hits).toEqual(page.papers.filter((entry) => points.topic[entry.row] === 0).map((entry) => entry.t));
    expect(document.querySelector('#matches .hint')!.textContent).toBe(`${hits.length} match(es) among the 50 papers with details on the page`);
    // a related paper without details: its title, a link to it on the map
    const opened = page.papers.find((entry) => entry.r.some(([row]) => !detailed.has(row)))!;
    const [row, score] = opened.r.find(([other]) => !detailed.has(other))!;
    search(dom, opened.t)[0].click();
    expect([...document.querySelectorAll('#details li')].map((item) => item.textContent)).toContain(`${data.papers[row].title} ${score.toFixed(2)}`);
    // opening it says what the file has of it, and where the rest is
    ([...document.querySelectorAll('#details li button')].find((button) => button.textContent === data.papers[row].title) as HTMLButtonElement).click();
    expect(document.querySelector('#details h2')!.textContent).toBe(data.papers[row].title);
    expect(document.querySelector('#details .hint')!.textContent).toContain('`papermap serve` shows every paper');
  });

  test('the page carries the details of the papers the last run added, and flags them', () => {
    const data = bigData(300);
    data.changes = {
      ...NIGHT,
      since: { papers: 290, topics: 3 },
      added: [17, 123, 299].map((row) => ({ id: `p${row}`, title: `Paper ${row}`, topic: 0, nearestOlder: [] })),
    };
    const { page, points } = buildPageData(data, 50);
    const decoded = decodePoints(points, page.total, page.colourings.length);
    expect(page.added).toBe(3);
    expect([...decoded.flags.keys()].filter((row) => decoded.flags[row] & 1)).toEqual([17, 123, 299]);
    for (const row of [17, 123, 299]) expect(page.papers.some((entry) => entry.row === row)).toBe(true);
  });

  test('papers with dates and categories can be coloured by them; a paper without one takes none', () => {
    const data = bigData(300);
    data.fields = {
      date: data.papers.map((_, row) => (row % 7 === 0 ? undefined : `2024-0${1 + (row % 3)}-15`)),
      category: data.papers.map((_, row) => ['cs.CL', 'cs.LG', 'stat.ML', undefined][row % 4]),
    };
    const { page, points } = buildPageData(data);
    const decoded = decodePoints(points, page.total, page.colourings.length);
    expect(page.colourings.map((colouring) => [colouring.key, colouring.names])).toEqual([
      ['date', ['2024-01', '2024-02', '2024-03']],
      ['category', ['cs.CL', 'cs.LG', 'stat.ML']],
    ]);
    expect(Array.from(decoded.colourings[0].slice(0, 8))).toEqual([0, 2, 3, 1, 2, 3, 1, 0]);
    expect(Array.from(decoded.colourings[1].slice(0, 4))).toEqual([1, 2, 3, 0]);
    // a month's colour is lighter than the month before's: a ramp
    const [first, last] = [page.colourings[0].colours[0], page.colourings[0].colours[2]];
    expect(hexToOklab(first)[0]).toBeLessThan(hexToOklab(last)[0]);
  });

  test(`up to the threshold (${DETAILS_PAPERS} papers) every paper's details are on the page and nothing is said of a sample`, () => {
    const html = toHtml(bigData(300));
    const page = pageData(html);
    expect(page.papers.map((entry) => entry.id)).toEqual(bigData(300).papers.map((entry) => entry.id));
    expect(page.titles).toEqual([]);
    expect(page.sample).toBeUndefined();
    expect(openPage(html).window.document.getElementById('sample')!.hidden).toBe(true);
  });
});
