// A project's tiling: the size of the square tiles its images are cut into
// and their overlap. The shared client does not carry these fields, so they
// are read and written here: GET / PATCH /api/projects/{id} with tile_size
// and tile_overlap (the server checks the same limits: backend.CheckTiling).
// They apply to images imported afterwards; images already in the project
// keep their tiles and the labels drawn on them (nothing is cut again).
import type { Client } from '../lib/api';

export interface Tiling {
  size: number;
  overlap: number;
}

export const minTileSize = 64;
export const maxTileSize = 4096;

function path(id: number): string {
  return `/api/projects/${encodeURIComponent(String(id))}`;
}

function decodeTiling(v: unknown): Tiling {
  const o = (typeof v === 'object' && v !== null ? v : {}) as Record<string, unknown>;
  const size = o['tile_size'];
  const overlap = o['tile_overlap'];
  if (typeof size !== 'number' || typeof overlap !== 'number') throw new Error('the project has no tiling');
  return { size, overlap };
}

export async function getTiling(api: Client, id: number): Promise<Tiling> {
  return decodeTiling(await api.request('GET', path(id)));
}

export async function setTiling(api: Client, id: number, t: Tiling): Promise<Tiling> {
  return decodeTiling(await api.request('PATCH', path(id), { tile_size: t.size, tile_overlap: t.overlap }));
}

/** Checks the form's text: the tiling, or what is wrong with it. */
export function checkTiling(
  sizeText: string | number | null,
  overlapText: string | number | null,
): { ok: true; tiling: Tiling } | { ok: false; message: string } {
  // A number input's binding gives a number, or null when empty.
  const size = String(sizeText ?? '').trim();
  const overlap = String(overlapText ?? '').trim();
  const s = Number(size);
  const o = Number(overlap);
  if (size === '' || !Number.isInteger(s) || s < minTileSize || s > maxTileSize) {
    return { ok: false, message: `The tile size must be a whole number from ${minTileSize} to ${maxTileSize} pixels.` };
  }
  if (overlap === '' || !Number.isInteger(o) || o < 0 || o >= s / 2) {
    return { ok: false, message: `The overlap must be a whole number from 0 to less than half the tile size (${Math.ceil(s / 2) - 1} at most).` };
  }
  return { ok: true, tiling: { size: s, overlap: o } };
}
