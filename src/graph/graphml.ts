import { startWorker, workerFile } from '../shared/worker.js';
import type { PaperTitle } from '../store/read.js';
import { scorePrinter, type FloorRule, type RelatedGraph } from './related.js';
import type { Neighbours } from './neighbours.js';

// Characters XML 1.0 cannot hold at all, even escaped (controls, lone surrogates, U+FFFE/U+FFFF).
const NOT_XML = /[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/gu;

/** Whether a text holds anything escapeXml changes: most titles and ids do not, and a million papers' worth of six replaces each is seconds. */
const NEEDS_ESCAPING = new RegExp(`[&<>"']|${NOT_XML.source}`, 'u');

export function escapeXml(text: string): string {
  if (!NEEDS_ESCAPING.test(text)) return text;
  return text.replace(NOT_XML, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/** Lines of graph.graphml and related.json are handed on this many characters at a time: a line at a time is ten million hand-overs at a million papers. */
export const CHUNK_CHARS = 1 << 16;

const weightText = scorePrinter((weight) => weight.toFixed(4));

/**
 * Every paper's id and title, escaped for XML, as UTF-8 in shared memory:
 * the graph worker is handed them without a copy, where the papers cloned
 * into its heap as strings are some 200 bytes a paper. Escaped first, so that
 * what the worker decodes is the text it writes (escaping drops the lone
 * surrogates UTF-8 cannot carry).
 */
export interface GraphmlTexts {
  /** Each paper's id then its title, paper after paper. */
  bytes: Uint8Array;
  /** Where each text ends in `bytes`: the id of the paper at `row` at 2 * row, its title at 2 * row + 1. */
  ends: Float64Array;
}

export function graphmlTexts(papers: readonly PaperTitle[]): GraphmlTexts {
  let size = 0;
  for (const paper of papers) size += Buffer.byteLength(escapeXml(paper.id)) + Buffer.byteLength(escapeXml(paper.title));
  const bytes = Buffer.from(new SharedArrayBuffer(size));
  const ends = new Float64Array(new SharedArrayBuffer(papers.length * 2 * Float64Array.BYTES_PER_ELEMENT));
  let at = 0;
  papers.forEach((paper, row) => {
    at += bytes.write(escapeXml(paper.id), at);
    ends[row * 2] = at;
    at += bytes.write(escapeXml(paper.title), at);
    ends[row * 2 + 1] = at;
  });
  return { bytes, ends };
}

/**
 * The related-paper graph as GraphML (Gephi, Cytoscape, yEd, networkx):
 * undirected, one edge per related pair weighted by cosine similarity, marked
 * mutual when each paper is among the other's neighbours; each paper's topic
 * (`topicOf[row]`, -1 for none) with its label. Made in pieces of whole lines
 * as it is written: at a million papers the file is more than one string can
 * hold.
 */
export function* toGraphml(papers: GraphmlTexts, topicOf: Int32Array, topicLabels: ReadonlyMap<number, string>, related: RelatedGraph): Generator<string> {
  const withTopics = topicOf.some((topic) => topic >= 0);
  const head = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">',
    '  <key id="title" for="node" attr.name="title" attr.type="string"/>',
    ...(withTopics
      ? ['  <key id="topic" for="node" attr.name="topic" attr.type="string"/>', '  <key id="topicId" for="node" attr.name="topicId" attr.type="int"/>']
      : []),
    '  <key id="weight" for="edge" attr.name="weight" attr.type="double"/>',
    '  <key id="mutual" for="edge" attr.name="mutual" attr.type="boolean"/>',
    '  <graph id="related-papers" edgedefault="undirected">',
  ];
  let chunk = head.join('\n') + '\n';
  const count = papers.ends.length / 2;
  const bytes = Buffer.from(papers.bytes.buffer, papers.bytes.byteOffset, papers.bytes.byteLength);
  const text = (index: number) => bytes.toString('utf8', index === 0 ? 0 : papers.ends[index - 1], papers.ends[index]);
  // each id is decoded once, for its node and every edge of it, and each topic's data made once for all its papers
  const ids = Array.from({ length: count }, (_, row) => text(row * 2));
  const topicData = new Map([...topicLabels].map(([id, label]) => [id, `<data key="topic">${escapeXml(label)}</data><data key="topicId">${id}</data>`]));
  for (let row = 0; row < count; row++) {
    chunk += `    <node id="${ids[row]}"><data key="title">${text(row * 2 + 1)}</data>${topicOf[row] >= 0 ? topicData.get(topicOf[row])! : ''}</node>\n`;
    if (chunk.length >= CHUNK_CHARS) {
      yield chunk;
      chunk = '';
    }
  }
  const { k, labels, scores } = related.neighbours;
  let edge = 0;
  for (let row = 0; row < count; row++) {
    for (let slot = row * k; slot < row * k + related.links[row]; slot++) {
      const mutual = related.mutual[slot] === 1;
      // a mutual edge is kept from both ends: write it once, from the lower row
      if (mutual && labels[slot] < row) continue;
      chunk += `    <edge id="e${edge++}" source="${ids[row]}" target="${ids[labels[slot]]}"><data key="weight">${weightText(scores[slot])}</data><data key="mutual">${mutual}</data></edge>\n`;
    }
    if (chunk.length >= CHUNK_CHARS) {
      yield chunk;
      chunk = '';
    }
  }
  yield chunk + '  </graph>\n</graphml>\n';
}

/** What the graph.graphml worker (graphml-worker.ts) starts with: each paper's nearest and the graph's floor, from which it makes the related-paper graph. */
export interface GraphmlJob {
  path: string;
  nearest: Neighbours;
  neighbours: number;
  floor: FloorRule;
}

/** What the worker is handed next, to write the graph with: the papers (graphmlTexts) and their topics; null: no graph after all. */
export type GraphmlPapers = { papers: GraphmlTexts; topicOf: Int32Array; topicLabels: ReadonlyMap<number, string> } | null;

/** What the worker posts: the related-paper graph as soon as it has made it, then the SHA-256 of the file it wrote. */
export type GraphmlMessage = { related: RelatedGraph } | { hash: string };

/** graph.graphml being made in a worker: see writeGraphml. */
export interface GraphmlWriter {
  /** The related-paper graph, as soon as the worker has made it (the reports show it too). */
  related: Promise<RelatedGraph>;
  /** Hands the worker the papers and their topics, and it writes the file. */
  write(papers: GraphmlPapers): void;
  /** The file's SHA-256, once it is written. */
  written: Promise<string>;
}

/**
 * Makes the related-paper graph (relatedPapers) in a worker thread, which
 * then, handed the papers and their topics, writes it as toGraphml's GraphML
 * at `path`: at a million papers the graph is seconds of work and the file
 * 1.35 GB, which the report's other files need not wait for, and the worker
 * makes the graph while the main thread reads the topics.
 */
export function writeGraphml(job: GraphmlJob): GraphmlWriter {
  let made!: (related: RelatedGraph) => void;
  const posted = new Promise<RelatedGraph>((resolve) => (made = resolve));
  const { worker, exited } = startWorker<GraphmlMessage>(workerFile('graph', 'graphml-worker.js'), job, undefined, (message) => {
    if ('related' in message) made(message.related);
  });
  const written = exited.then((last) => {
    if (last === undefined || !('hash' in last)) throw new Error('the graph.graphml worker ended without writing it');
    return last.hash;
  });
  // a worker that fails before it posts the graph fails both
  const related = Promise.race([posted, written.then(() => posted)]);
  // a caller that fails before it waits for the graph waits for `written` only
  related.catch(() => undefined);
  return { related, written, write: (papers) => worker.postMessage(papers) };
}
