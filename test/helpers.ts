import type { RelatedGraph } from '../src/graph/related.js';
import { embedWithBuiltin, fitBuiltin } from '../src/embed/builtin.js';
import { paperText } from '../src/embed/index.js';
import { ingestStage } from '../src/ingest/stage.js';
import { runOneStage } from '../src/runner/index.js';
import { defaultOptions, type Options } from '../src/runner/stages.js';
import type { OptionTable } from '../src/pipeline/options.js';
import type { Stage } from '../src/pipeline/stage.js';
import { bytesOf, sha256 } from '../src/shared/files.js';
import { OutputFolder } from '../src/store/folder.js';
import { paperToJson, readPapers, type Paper } from '../src/store/read.js';

/** Runs one stage on an output folder as `papermap <stage>` does, with the given options over the defaults. */
export async function runStage<O extends OptionTable, P, S, T>(stage: Stage<O, P, S, T>, out: string, options: Partial<Options> = {}): Promise<S> {
  const outcome = await runOneStage(stage as Stage<OptionTable, P, S, T>, OutputFolder.writable(out), { ...defaultOptions(), ...options });
  return outcome.summary as S;
}

/** An output folder holding these papers, as if ingest had written them (with an empty ingest.state: a later ingest reads every input). */
export function folderWith(out: string, papers: readonly Paper[]): OutputFolder {
  const folder = OutputFolder.writable(out);
  const writer = folder.begin('ingest');
  writer.write(
    'papers',
    papers.map((paper) => paperToJson(paper) + '\n'),
  );
  writer.write('ingestState', '');
  writer.commit({ status: 'ran', seconds: 0, fingerprint: '0'.repeat(64), parameters: {} });
  return folder;
}

/** The papers of an output folder. */
export function papersOf(out: string): Paper[] {
  return readPapers(OutputFolder.existing(out)).papers;
}

export const ingestInto = (out: string, inputs: string[], strict = false) => runStage(ingestStage, out, { inputs, strict });

/** An output folder holding these papers and their vectors, as if ingest and embed had run. */
export function folderWithVectors(out: string, papers: readonly Paper[], vectors: Float32Array, dim: number): OutputFolder {
  const folder = folderWith(out, papers);
  const writer = folder.begin('embed');
  writer.write('vectors', bytesOf(vectors));
  const papersHash = sha256(papers.map((paper) => paperToJson(paper) + '\n').join(''));
  const info = { model: 'test', modelIdentity: 'test', dim, count: papers.length, normalized: true, papersHash, vectorsHash: sha256(bytesOf(vectors)) };
  writer.write('vectorsInfo', JSON.stringify(info));
  writer.commit({ status: 'ran', seconds: 0, fingerprint: '0'.repeat(64), parameters: {} });
  return folder;
}

/**
 * One vector a paper for every night of a test of runs over time: the builtin
 * embedder fitted once on `papers`, so that a paper's vector does not change
 * unless a test changes it (with the builtin embedder itself, every vector
 * changes when the corpus does).
 */
export class FixedVectors {
  readonly dim: number;
  readonly vectorOf: Map<string, Float32Array>;

  constructor(papers: readonly Paper[]) {
    const model = fitBuiltin(papers.map(paperText));
    this.dim = model.dim;
    const vectors = embedWithBuiltin(model, papers.map(paperText));
    this.vectorOf = new Map(papers.map((paper, row) => [paper.id, vectors.slice(row * this.dim, (row + 1) * this.dim)]));
  }

  /** An output folder holding these papers with their fixed vectors, as if ingest and embed had run. */
  folderWith(out: string, papers: readonly Paper[]): OutputFolder {
    const vectors = new Float32Array(papers.length * this.dim);
    papers.forEach((paper, row) => vectors.set(this.vectorOf.get(paper.id)!, row * this.dim));
    return folderWithVectors(out, papers, vectors, this.dim);
  }
}

/** A related-paper graph with these lists, best first, mutual as given, and the fixed floor they were kept at (nearer papers below it are weak). */
export function relatedGraph(lists: readonly { row: number; score: number; mutual: boolean }[][], floor = 0.3): RelatedGraph {
  const k = Math.max(1, ...lists.map((list) => list.length));
  const labels = new Int32Array(lists.length * k).fill(-1);
  const scores = new Float32Array(lists.length * k);
  const mutual = new Uint8Array(lists.length * k);
  lists.forEach((list, row) =>
    list.forEach((neighbour, slot) => {
      labels[row * k + slot] = neighbour.row;
      scores[row * k + slot] = neighbour.score;
      mutual[row * k + slot] = neighbour.mutual ? 1 : 0;
    }),
  );
  return { neighbours: { k, labels, scores }, links: Int32Array.from(lists, (list) => list.length), mutual, rule: { global: floor, lower: floor, band: 0 } };
}
