import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isMap, isScalar, LineCounter, parseDocument, type Node } from 'yaml';
import { z } from 'zod';
import { sha256 } from '../shared/files.js';
import { UserError } from '../shared/errors.js';
import type { Store } from './store.js';
import type { Clusters } from './schemas.js';

/**
 * topics.yaml: a team's own names for the topics, kept in the output folder
 * and keyed by the topics' stable ids, so they carry over from night to
 * night. A fine topic can be renamed, merged into another, or pinned so
 * that refits keep its papers together under its id; a broad topic renamed.
 *
 *   topics:
 *     3: Retrieval-augmented generation
 *     7: { name: Diffusion models, pin: true }
 *     12: { merge: 7 }
 *   broad:
 *     1: Language models
 */
export const NAMES_FILE = 'topics.yaml';

const name = z.string().trim().min(1, 'a name cannot be empty');
const topicEntry = z.union([
  name,
  z
    .strictObject({ name: name.optional(), pin: z.boolean().optional(), merge: z.number().int().nonnegative().optional() })
    .refine((entry) => !(entry.pin && entry.merge !== undefined), 'a topic cannot be both pinned and merged'),
]);
const broadEntry = z.union([name, z.strictObject({ name })]);
const idKey = z.string().regex(/^\d+$/, 'a topic id is a whole number, as clusters.json and the reports give it');
const namesSchema = z.strictObject({ topics: z.record(idKey, topicEntry).optional(), broad: z.record(idKey, broadEntry).optional() });

export interface TopicWish {
  name?: string;
  pin?: boolean;
  merge?: number;
  /** The line of topics.yaml it is on, for messages. */
  line: number;
}

export interface TeamNames {
  path: string;
  hash: string;
  topics: Map<number, TopicWish>;
  broad: Map<number, { name: string; line: number }>;
}

/** The line (from 1) a node of the document starts on. */
function lineOf(node: Node | undefined, lines: LineCounter): number {
  return node?.range ? lines.linePos(node.range[0]).line : 1;
}

/** The node at a path of keys, for the line of a problem. */
function nodeAt(root: Node | null, path: readonly PropertyKey[]): Node | undefined {
  let node: Node | undefined = root ?? undefined;
  for (const key of path) {
    if (!isMap(node)) break;
    const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(key));
    if (!pair) break;
    node = (pair.value as Node | null) ?? (pair.key as Node);
  }
  return node;
}

/** The lines of each id under `section`. */
function idLines(root: Node | null, section: string, lines: LineCounter): Map<number, number> {
  const of = new Map<number, number>();
  const map = nodeAt(root, [section]);
  if (isMap(map)) for (const pair of map.items) if (isScalar(pair.key)) of.set(Number(pair.key.value), lineOf(pair.key as Node, lines));
  return of;
}

/**
 * The team's names from `<out>/topics.yaml`, checked: a line that is not
 * YAML, an unknown field, an empty name or an id that is not a whole number
 * is one error naming the file and line. Undefined when there is no file.
 */
export function readTeamNames(out: string): TeamNames | undefined {
  const path = join(out, NAMES_FILE);
  if (!existsSync(path)) return undefined;
  const text = readFileSync(path, 'utf8');
  const lines = new LineCounter();
  const document = parseDocument(text, { lineCounter: lines, uniqueKeys: true });
  const fail = (line: number, problem: string): never => {
    throw new UserError(`${path}:${line}: ${problem}; fix that line (see "Topics a team can own" in the README)`);
  };
  if (document.errors.length > 0) fail(document.errors[0].linePos?.[0].line ?? 1, document.errors[0].message.split('\n')[0]);
  const parsed = namesSchema.safeParse(document.toJS() ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
    fail(lineOf(nodeAt(document.contents, issue.path), lines), `${where}${issue.message}`);
  }
  const data = parsed.data!;
  const topicLines = idLines(document.contents, 'topics', lines);
  const broadLines = idLines(document.contents, 'broad', lines);
  const topics = new Map<number, TopicWish>();
  for (const [key, entry] of Object.entries(data.topics ?? {})) {
    const id = Number(key);
    topics.set(id, { ...(typeof entry === 'string' ? { name: entry } : entry), line: topicLines.get(id) ?? 1 });
  }
  const broad = new Map<number, { name: string; line: number }>();
  for (const [key, entry] of Object.entries(data.broad ?? {})) {
    broad.set(Number(key), { name: typeof entry === 'string' ? entry : entry.name, line: broadLines.get(Number(key)) ?? 1 });
  }
  return { path, hash: sha256(text), topics, broad };
}

/**
 * Refuses wishes for topics this map does not have: an id that is no topic
 * (nor one merged away earlier), a merge into an unknown topic or in a
 * circle. `known` are the fine topic ids, `broadKnown` the broad ones.
 */
export function checkTeamNames(names: TeamNames, known: ReadonlySet<number>, broadKnown: ReadonlySet<number>): void {
  const fail = (line: number, problem: string): never => {
    throw new UserError(`${names.path}:${line}: ${problem}; fix or remove that line`);
  };
  const list = (ids: ReadonlySet<number>) => [...ids].sort((a, b) => a - b).join(', ');
  for (const [id, wish] of names.topics) {
    if (!known.has(id)) fail(wish.line, `there is no topic ${id} (the topics are ${list(known)})`);
    if (wish.merge !== undefined && !known.has(wish.merge)) fail(wish.line, `topic ${id} cannot merge into topic ${wish.merge}, which does not exist`);
    const seen = new Set([id]);
    for (let into = wish.merge; into !== undefined; into = names.topics.get(into)?.merge) {
      if (seen.has(into)) fail(wish.line, `topic ${id}'s merges run in a circle (${[...seen, into].join(' -> ')})`);
      seen.add(into);
    }
  }
  for (const [id, wish] of names.broad) if (!broadKnown.has(id)) fail(wish.line, `there is no broad topic ${id} (the broad topics are ${list(broadKnown)})`);
}

/**
 * topics.yaml checked before a run writes anything: its lines, and its ids
 * against the topics the folder holds (when it holds any).
 */
export function checkNamesFile(folder: Store): void {
  const names = readTeamNames(folder.location);
  if (!names || !folder.has('clusters')) return;
  let clusters: Clusters;
  try {
    clusters = folder.readJson('clusters');
  } catch {
    // a damaged clusters.json is fitted anew, and the ids are checked against the new topics then
    return;
  }
  const known = new Set([
    ...clusters.topics.map((topic) => topic.id),
    ...(clusters.team?.merged.map((merge) => merge.from) ?? []),
    ...(clusters.team?.pinned ?? []),
  ]);
  checkTeamNames(names, known, new Set(clusters.broadTopics.map((broad) => broad.id)));
}
