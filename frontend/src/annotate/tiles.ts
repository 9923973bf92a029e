// Which tile "Start annotating" opens: the first tile of an image, in
// reading order, that is not marked complete.
import type { Client, Tile } from '../lib/api';
import { rowMajor } from '../images/grid';

/**
 * The first incomplete tile of an image (or its first tile when all are
 * complete). The tile list does not say which are complete, so when some
 * are, their label files are read a few at a time, in order. Once signal
 * aborts, no more are read and it rejects with the signal's reason.
 */
export async function firstOpenTile(
  api: Client,
  imageId: number,
  completeCount: number,
  batch = 6,
  signal?: AbortSignal,
): Promise<Tile | undefined> {
  const tiles = rowMajor(await api.allTiles(imageId));
  signal?.throwIfAborted();
  if (completeCount <= 0) return tiles[0];
  if (completeCount >= tiles.length) return tiles[0];
  for (let i = 0; i < tiles.length; i += batch) {
    if (i > 0) signal?.throwIfAborted();
    const part = tiles.slice(i, i + batch);
    const states = await Promise.all(part.map((t) => api.getTileLabels(t.id).then((r) => r.complete, () => false)));
    const k = states.findIndex((done) => !done);
    if (k >= 0) return part[k];
  }
  return tiles[0];
}

/** "1 h 05 min", "12 min", "40 s". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}
