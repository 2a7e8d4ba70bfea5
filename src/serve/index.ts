/**
 * `papermap serve`: report.html and a small JSON API over the store at
 * `--out` (an output folder, or a LanceDB store, served from a working copy
 * pulled at start), on this machine (127.0.0.1) unless told otherwise. The
 * index and the model are loaded once, at start.
 *
 *   GET /api/health                        {"papers", "model", "search"}
 *   GET /api/search?q=TEXT&k=N             nearest papers to free text, by meaning
 *   GET /api/papers/:id                    one paper: title, abstract, topic, its details (date, authors,
 *                                          categories, doi, arxivId, url) and link where known, metadata
 *   GET /api/papers/:id/neighbours?k=N     its nearest other papers
 *   GET /api/rows/:row                     the paper at a row of papers.jsonl (a point on the map): its details and neighbours
 *   POST /api/recommend?k=N&all=1          the papers to read for a library (the body: a library file's text),
 *                                          as `papermap recommend --json` gives them, each paper (result, and
 *                                          library paper it is because of) with its row (nothing is written)
 *
 * Bad requests get 400, unknown ids 404 and a body over 16 MB 413, with {"error": "..."}; without
 * the model the papers were embedded with, the server still starts and
 * /api/search answers 503 (the page then keeps its title search). Only the
 * report's own files are served, by name: nothing else in the folder, no
 * path outside it, no directory listing.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadQueryEmbedder, type QueryEmbedder } from '../embed/index.js';
import { floorRuleOf, paperFloor, roundScore } from '../graph/related.js';
import { PaperSearch } from '../index/index.js';
import { UserError } from '../shared/errors.js';
import { notice } from '../shared/progress.js';
import type { ArtifactName } from '../store/artifacts.js';
import type { StoreKind } from '../store/location.js';
import { openStore } from '../store/open.js';
import { detailsOf, readChanges, type Paper, type PaperDetails } from '../store/read.js';
import type { VectorsInfo } from '../store/schemas.js';
import type { Store } from '../store/store.js';
import { parseLibrary, recommend, type Recommendations, type ServedRecommendations } from '../recommend/index.js';
import { pageFacts, paperLink } from '../shared/links.js';

export interface ServeOptions {
  out: string;
  /** The store kind, where the location does not record it. */
  store?: StoreKind;
  /** 0: any free port. */
  port: number;
  host: string;
}

export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

export const DEFAULT_PORT = 8765;
export const DEFAULT_HOST = '127.0.0.1';
const DEFAULT_K = 10;
const MAX_K = 100;
const MAX_QUERY = 1000;
/** A library posted to /api/recommend beyond this is refused (413): a BibTeX export of 10,000 papers with abstracts is about 12 MB. */
const MAX_LIBRARY_BODY = 16 * 1024 * 1024;

/** What serving reads: the search, the papers and their topics, what the last run added, and the report's files. */
const SERVED: ArtifactName[] = ['papers', 'vectors', 'vectorsInfo', 'indexInfo', 'hnsw', 'builtinFit', 'clusters', 'changes', 'html', 'markdown', 'graph'];

/** The files of the report a browser may fetch, by URL path. */
const REPORT_FILES: Record<string, { artifact: ArtifactName; type: string }> = {
  '/': { artifact: 'html', type: 'text/html; charset=utf-8' },
  '/report.html': { artifact: 'html', type: 'text/html; charset=utf-8' },
  '/report.md': { artifact: 'markdown', type: 'text/markdown; charset=utf-8' },
  '/graph.graphml': { artifact: 'graph', type: 'application/xml; charset=utf-8' },
};

const LOOPBACK_NAMES = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/** The host name of a Host header, without the port. */
function hostName(header: string | undefined): string {
  if (!header) return '';
  return header.startsWith('[') ? header.slice(0, header.indexOf(']') + 1) : header.replace(/:\d*$/, '');
}

/** Whether a request's Origin is the server it was sent to (a page of another site, or a file, is not). */
function sameOrigin(origin: string, host: string | undefined): boolean {
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** A whole number from a query parameter, or the default when absent. */
function countParameter(url: URL, name: string, fallback: number): number {
  const value = url.searchParams.get(name);
  if (value === null) return fallback;
  const number = Number(value);
  if (value.trim() === '' || !Number.isInteger(number) || number < 1 || number > MAX_K)
    throw new HttpError(400, `${name} must be a whole number from 1 to ${MAX_K}`);
  return number;
}

/** Everything the server answers from, loaded once. */
interface Loaded {
  search: PaperSearch;
  papers: Paper[];
  rowOf: Map<string, number>;
  model: string;
  /** papers.jsonl's hash: the served page checks it is the page of these papers. */
  papersHash: string;
  vectorsInfo: VectorsInfo;
  /** The query model, or why it could not be loaded (search by id still works). */
  embedder: QueryEmbedder | { unavailable: string };
  topicOf: Map<string, { id: number; label: string }>;
  /** The ids of the papers added in the last run (changes.json); undefined when it cannot be read, and then every paper is ranked. */
  added: Set<string> | 'every paper' | undefined;
}

/** The papers the last run added, as changes.json says (every paper on a first run); undefined, with a notice, when it cannot be read. */
function addedPapers(folder: Store, papers: readonly Paper[]): Loaded['added'] {
  try {
    const changes = readChanges(folder, papers);
    return changes.since === null ? 'every paper' : new Set(changes.added.map((paper) => paper.id));
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    notice(`/api/recommend ranks every paper, not only the new ones: ${error.message}`);
    return undefined;
  }
}

/** A request's body as text, refused (413) past `max` bytes. */
function readBody(request: IncomingMessage, max: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    // past the limit the rest is read and dropped, so that the client, still sending, gets the 413
    request.on('data', (chunk: Buffer) => {
      total += chunk.length;
      if (total > max) {
        chunks.length = 0;
        reject(new HttpError(413, `the library is larger than ${max / 1024 / 1024} MB`));
      } else chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function load(folder: Store): Promise<Loaded> {
  if (!folder.has('html')) throw new UserError(`${folder.where('html')} not found: run \`papermap run --out ${folder.location}\` first`);
  const { search, papers, vectorsInfo } = PaperSearch.open(folder);
  const topicOf = new Map<string, { id: number; label: string }>();
  try {
    for (const topic of folder.readClusters(vectorsInfo).topics) for (const id of topic.paperIds) topicOf.set(id, { id: topic.id, label: topic.label });
  } catch (error) {
    // search and neighbours need no topics: the API then gives none
    if (!(error instanceof UserError)) throw error;
    notice(`papers are served without their topics: ${error.message}`);
  }
  const embedder = loadQueryEmbedder(folder, vectorsInfo).catch((error: unknown) => {
    if (!(error instanceof UserError)) throw error;
    notice(`search by meaning is off: ${error.message}`);
    return { unavailable: error.message };
  });
  return embedder.then((embedder) => ({
    search,
    papers,
    rowOf: new Map(papers.map((paper, row) => [paper.id, row])),
    model: vectorsInfo.model,
    papersHash: vectorsInfo.papersHash,
    vectorsInfo,
    embedder,
    topicOf,
    added: addedPapers(folder, papers),
  }));
}

type Found = ReturnType<PaperSearch['nearest']>;
/** A search result: the paper's id, row (its point on the map), title, similarity and topic, and its details and link where known. */
type Result = { id: string; row: number; title: string; score: number; topic: number | null; link?: string } & PaperDetails;

/** Search results as the API gives them. */
function nearestResults({ papers, topicOf }: Loaded, found: Found): Result[] {
  const results: Result[] = [];
  for (let slot = 0; slot < found.k; slot++) {
    const label = found.labels[slot];
    if (label < 0) break;
    const paper = papers[label];
    results.push({
      id: paper.id,
      row: label,
      title: paper.title,
      score: roundScore(found.scores[slot]),
      topic: topicOf.get(paper.id)?.id ?? null,
      ...linked(paper),
    });
  }
  return results;
}

/** What the map's details panel shows of the paper at a row, as the page carries it for its papers with details. */
function paperAtRow(loaded: Loaded, row: number): unknown {
  const { papers, search, topicOf } = loaded;
  if (row >= papers.length) throw new HttpError(404, `no paper at row ${row}: there are ${papers.length}`);
  const paper = papers[row];
  const dim = search.info.dim;
  const found = search.nearest(search.vectors.subarray(row * dim, (row + 1) * dim), DEFAULT_K, (_, label) => label === row);
  const neighbours = nearestResults(loaded, found).map((result) => ({ row: result.row, score: result.score, title: result.title }));
  // the paper's own floor: with no neighbour over the graph's, its nearest may be related (FloorRule)
  const floor = paperFloor(floorRuleOf(search.info.graph), neighbours[0]?.score ?? -1);
  return {
    id: paper.id,
    title: paper.title,
    abstract: paper.abstract,
    ...pageFacts(paper),
    topic: topicOf.get(paper.id)?.id ?? null,
    related: neighbours.filter((neighbour) => neighbour.score >= floor),
    weak: neighbours.filter((neighbour) => neighbour.score < floor),
  };
}

/** A paper's details, and where to open it (its address, DOI or arXiv page) when one is known. */
function linked(paper: Paper): PaperDetails & { link?: string } {
  const link = paperLink(paper);
  return { ...detailsOf(paper), ...(link === undefined ? {} : { link }) };
}

/** The query model's embedding of texts, one call at a time (calls queue), or a rejection saying why search by meaning is off. */
type Embed = (texts: readonly string[]) => Promise<Float32Array>;

function queuedEmbedding(embedder: Loaded['embedder']): Embed {
  let queue: Promise<unknown> = Promise.resolve();
  return (texts) => {
    if ('unavailable' in embedder) return Promise.reject(new UserError(embedder.unavailable));
    const next = queue.then(() => embedder.embed(texts));
    queue = next.catch(() => {});
    return next;
  };
}

/** The row of the paper a URL names by its (URL-encoded) id. */
function rowOfPaper(loaded: Loaded, encoded: string): number {
  let id: string;
  try {
    id = decodeURIComponent(encoded);
  } catch {
    throw new HttpError(400, 'malformed paper id');
  }
  const row = loaded.rowOf.get(id);
  if (row === undefined) throw new HttpError(404, `unknown paper id "${id}"`);
  return row;
}

function withRows(loaded: Loaded, recommendations: Recommendations): ServedRecommendations {
  const rowOf = (id: string | null) => (id === null ? null : (loaded.rowOf.get(id) ?? null));
  return {
    ...recommendations,
    results: recommendations.results.map((result) => ({
      ...result,
      row: loaded.rowOf.get(result.id)!,
      because: result.because.map((reason) => ({ ...reason, row: rowOf(reason.id) })),
    })),
  };
}

/** The library in a request's body, ranked as `papermap recommend` ranks it; its problems are a 400. */
async function recommendFor(loaded: Loaded, embed: Embed, request: IncomingMessage, url: URL): Promise<ServedRecommendations> {
  const { papers, search, topicOf, vectorsInfo } = loaded;
  const k = countParameter(url, 'k', 20);
  const all = ['1', 'true'].includes(url.searchParams.get('all') ?? '') || loaded.added === undefined;
  const text = await readBody(request, MAX_LIBRARY_BODY);
  const isNew = (row: number) => loaded.added === 'every paper' || loaded.added === undefined || loaded.added.has(papers[row].id);
  const corpus = {
    papers,
    vectors: search.vectors,
    dim: search.info.dim,
    topicOf: (row: number) => topicOf.get(papers[row].id) ?? null,
    isNew,
  };
  try {
    return withRows(loaded, await recommend({ papers, info: vectorsInfo, corpus }, parseLibrary(text, 'the library'), 'the library', { top: k, all }, embed));
  } catch (error) {
    if (error instanceof UserError) throw new HttpError(400, error.message);
    throw error;
  }
}

/** The answer of the JSON API to a GET of `url`. */
async function answerApi(loaded: Loaded, embed: Embed, url: URL): Promise<unknown> {
  const { search, papers, embedder, topicOf } = loaded;
  const path = url.pathname;
  if (path === '/api/health') return { papers: papers.length, papersHash: loaded.papersHash, model: loaded.model, search: !('unavailable' in embedder) };
  const rowMatch = /^\/api\/rows\/(\d{1,9})$/.exec(path);
  if (rowMatch) return paperAtRow(loaded, Number(rowMatch[1]));
  if (path === '/api/search') {
    const query = (url.searchParams.get('q') ?? '').trim();
    if (query === '') throw new HttpError(400, 'q (the text to search for) is missing');
    if (query.length > MAX_QUERY) throw new HttpError(400, `q is longer than ${MAX_QUERY} characters`);
    const k = countParameter(url, 'k', DEFAULT_K);
    if ('unavailable' in embedder) throw new HttpError(503, `search by meaning is off: ${embedder.unavailable}`);
    return { query, results: nearestResults(loaded, search.nearest(await embed([query]), k)) };
  }
  const match = /^\/api\/papers\/([^/]+)(\/neighbours)?$/.exec(path);
  if (!match) throw new HttpError(404, `no such API: ${path}`);
  const row = rowOfPaper(loaded, match[1]);
  const paper = papers[row];
  if (!match[2])
    return { id: paper.id, title: paper.title, abstract: paper.abstract, topic: topicOf.get(paper.id) ?? null, ...linked(paper), metadata: paper.metadata };
  const dim = search.info.dim;
  const found = search.nearest(search.vectors.subarray(row * dim, (row + 1) * dim), countParameter(url, 'k', DEFAULT_K), (_, label) => label === row);
  return { id: paper.id, results: nearestResults(loaded, found) };
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
  response.end(JSON.stringify(body));
}

/** One of the report's own files, by its exact URL path; anything else is 404. */
function sendFile(folder: Store, request: IncomingMessage, response: ServerResponse, pathname: string): void {
  // the path is compared, undecoded, with the report's own file names: "..", "%2f" and the like never match
  const entry = Object.hasOwn(REPORT_FILES, pathname) ? REPORT_FILES[pathname] : undefined;
  if (!entry || !folder.has(entry.artifact)) {
    sendJson(response, 404, { error: 'not found' });
    return;
  }
  // served as it is, as a static file server would: the page is only ever read by the browser
  const body = readFileSync(folder.localFile(entry.artifact));
  response.writeHead(200, {
    'Content-Type': entry.type,
    'Content-Length': body.length,
    'Cache-Control': 'no-cache',
    'X-Content-Type-Options': 'nosniff',
    // the page is self-contained: it may only talk back to this server
    'Content-Security-Policy': "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:",
  });
  response.end(request.method === 'HEAD' ? undefined : body);
}

/**
 * What a request asks for, or the HttpError that refuses it: GET and HEAD,
 * and POST to /api/recommend from the served page only; to a localhost name
 * only, on a loopback address.
 */
function requested(request: IncomingMessage, response: ServerResponse, loopback: boolean): { url: URL; recommending: boolean } {
  const path = (request.url ?? '').split('?')[0];
  const recommending = request.method === 'POST' && path === '/api/recommend';
  if (request.method !== 'GET' && request.method !== 'HEAD' && !recommending) {
    response.setHeader('Allow', path === '/api/recommend' ? 'POST' : 'GET, HEAD');
    throw new HttpError(405, `${request.method} is not allowed`);
  }
  // a page of another site may send a POST here (it cannot read the answer): it is refused before any work
  if (recommending && request.headers.origin !== undefined && !sameOrigin(request.headers.origin, request.headers.host))
    throw new HttpError(403, 'only the served page may post a library');
  // served on this machine only: a page elsewhere must not reach it through a name that resolves here (DNS rebinding)
  if (loopback && !LOOPBACK_NAMES.has(hostName(request.headers.host))) throw new HttpError(403, 'this server answers to localhost only');
  try {
    // the request target is a path: "//elsewhere/..." stays a path, never a host
    return { url: new URL(`http://localhost${request.url ?? '/'}`), recommending };
  } catch {
    throw new HttpError(400, 'malformed URL');
  }
}

/** Answers every request: the API, or the report's files; an error is JSON with its status, never a crash. */
function handler(folder: Store, loaded: Loaded, host: string): (request: IncomingMessage, response: ServerResponse) => void {
  const loopback = LOOPBACK_NAMES.has(host);
  const embed = queuedEmbedding(loaded.embedder);
  const answer = async (request: IncomingMessage, response: ServerResponse) => {
    const { url, recommending } = requested(request, response, loopback);
    if (recommending) sendJson(response, 200, await recommendFor(loaded, embed, request, url));
    else if (url.pathname === '/api/recommend') {
      response.setHeader('Allow', 'POST');
      throw new HttpError(405, "post a library file's text to /api/recommend");
    } else if (url.pathname.startsWith('/api/')) sendJson(response, 200, await answerApi(loaded, embed, url));
    else sendFile(folder, request, response, url.pathname);
  };
  return (request, response) =>
    void answer(request, response).catch((error: unknown) => {
      if (error instanceof HttpError) sendJson(response, error.status, { error: error.message });
      else {
        process.stderr.write(`papermap serve: ${(error as Error).message}\n`);
        sendJson(response, 500, { error: 'internal error' });
      }
    });
}

/** Listens on the port and host; resolves to the address, or rejects with one line when the port is taken. */
function listen(server: Server, port: number, host: string): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new UserError(`port ${port} on ${host} is in use: choose another with --port`) : error),
    );
    server.listen(port, host, () => {
      const address = server.address() as AddressInfo;
      resolve(`http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}/`);
    });
  });
}

/** Starts the server and resolves once it listens; `close` stops it and frees the model. */
export async function startServer(options: ServeOptions): Promise<RunningServer> {
  if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535)
    throw new UserError(`--port ${options.port}: expected a port from 0 to 65535`);
  const backend = await openStore(options.out, options.store, 'read');
  let loaded: Loaded;
  let server: Server;
  let url: string;
  try {
    // a LanceDB store is served from a working copy of what serving reads
    await backend.pull(SERVED);
    loaded = await load(backend.folder);
    server = createServer(handler(backend.folder, loaded, options.host));
    url = await listen(server, options.port, options.host);
  } catch (error) {
    await backend.close();
    throw error;
  }
  let closing: Promise<void> | undefined;
  return {
    url,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      })
        .then(() => ('unavailable' in loaded.embedder ? undefined : loaded.embedder.dispose()))
        .then(() => backend.close())),
  };
}

/** The `serve` command: starts, prints the URL on stdout, and runs until SIGINT or SIGTERM. */
export async function serve(options: ServeOptions): Promise<void> {
  const running = await startServer(options);
  process.stdout.write(`${running.url}\n`);
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await running.close();
  process.stderr.write('papermap: server stopped\n');
}
