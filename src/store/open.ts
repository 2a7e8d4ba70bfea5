import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { UserError } from '../shared/errors.js';
import { VERSION } from '../shared/version.js';
import { FileBackend, type Backend } from './backend.js';
import { OutputFolder } from './folder.js';
import type { LanceBackend } from './lance/backend.js';
import { parseLocation, s3Settings, STORE_KINDS, type Location, type StoreKind } from './location.js';

/** The file at a location that records which store is there, so that later commands need not say it. */
export const STORE_MARKER = 'papermap-store.json';
const marker = z.object({ store: z.enum(STORE_KINDS), papermap: z.string() });

/** The store kind a marker's bytes record, refusing a damaged one by name. */
function recordedKind(bytes: Buffer | undefined, where: string): StoreKind | undefined {
  if (bytes === undefined) return undefined;
  try {
    return marker.parse(JSON.parse(bytes.toString('utf8'))).store;
  } catch {
    throw new UserError(`${where} is damaged (not a papermap ${STORE_MARKER}): restore it, or delete it if the store there is a file store`);
  }
}

function mismatch(location: string, recorded: StoreKind, asked: StoreKind): UserError {
  return new UserError(
    `${location} holds a ${recorded === 'lance' ? 'LanceDB' : 'file'} store, not a ${asked === 'lance' ? 'LanceDB' : 'file'} one: drop --store ${asked} (the store there is used), or give another --out`,
  );
}

/** A LanceDB store at a location, loaded only when one is used: the file store never loads LanceDB. */
async function openLance(location: Location): Promise<Backend> {
  const { LanceBackend } = await import('./lance/backend.js');
  return LanceBackend.open(location, location.kind === 's3' ? s3Settings() : undefined);
}

/** Writes the marker of a new LanceDB store, once it is known to be reachable. */
async function markLance(backend: Backend): Promise<void> {
  const body = JSON.stringify({ store: 'lance', papermap: VERSION }) + '\n';
  await (backend as LanceBackend).mark(body);
}

/**
 * The store at `out` (a folder, or s3://bucket/prefix), of the kind recorded
 * there, else the kind asked for (`--store`), else the file store (the only
 * kind a folder without a record holds). A kind asked for that differs from
 * the one recorded is refused; nothing is made then.
 */
export async function openStore(out: string, asked: StoreKind | undefined, mode: 'read' | 'write'): Promise<Backend> {
  const location = parseLocation(out);
  if (location.kind === 's3') {
    if (asked === 'files') throw new UserError(`--out ${out}: the file store takes a folder; an s3:// location holds a LanceDB store (--store lance)`);
    const backend = await openLance(location);
    const recorded = recordedKind(await (backend as LanceBackend).markerBytes(), `${location.shown}/${STORE_MARKER}`);
    if (recorded === undefined && mode === 'read') {
      await backend.close();
      throw new UserError(`no papermap store at ${location.shown}: run \`papermap run --store lance --out ${location.shown}\` first`);
    }
    if (recorded === undefined) await markLance(backend);
    return backend;
  }
  const path = join(location.path, STORE_MARKER);
  const recorded = existsSync(path) ? recordedKind(readFileSync(path), path) : existsSync(join(location.path, 'manifest.json')) ? 'files' : undefined;
  if (recorded !== undefined && asked !== undefined && recorded !== asked) throw mismatch(out, recorded, asked);
  const kind = recorded ?? asked ?? 'files';
  if (kind === 'files') return new FileBackend(mode === 'read' ? OutputFolder.existing(out) : OutputFolder.writable(out));
  if (mode === 'read') OutputFolder.existing(out);
  const backend = await openLance(location);
  if (mode === 'write') await markLance(backend);
  return backend;
}

/**
 * Runs work on the store at `out`, and closes it after. A file store's
 * folders made for a run that fails are removed again if nothing was written
 * in them, so a mistyped `--out` leaves no trace.
 */
export async function withStore<T>(out: string, asked: StoreKind | undefined, mode: 'read' | 'write', work: (backend: Backend) => Promise<T>): Promise<T> {
  const location = parseLocation(out);
  if (location.kind === 'folder' && mode === 'write' && asked !== 'lance') {
    // the file store as it always was; a folder that records a LanceDB store is opened as one
    const path = join(location.path, STORE_MARKER);
    if (!existsSync(path)) return OutputFolder.writing(out, (folder) => work(new FileBackend(folder)));
  }
  const backend = await openStore(out, asked, mode);
  try {
    return await work(backend);
  } finally {
    await backend.close();
  }
}
