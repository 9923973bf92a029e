// Which tile "Start annotating" opens: the server picks the first tile of
// an image, in reading order, that is not marked complete and that nobody
// else has open (GET /api/projects/{id}/next-tile), so that a class pressing
// "Continue annotating" at once spreads over the tiles.
import type { Client, Tile } from '../lib/api';

/**
 * The tile to open for this person (the image's first tile when all are
 * complete; undefined when it has none). Once signal aborts it rejects with
 * the signal's reason, even if the answer came.
 */
export async function nextTileToOpen(api: Client, projectId: number, imageId: number, signal?: AbortSignal): Promise<Tile | undefined> {
  signal?.throwIfAborted();
  const t = await api.nextTile(projectId, imageId);
  signal?.throwIfAborted();
  return t ?? undefined;
}

/** "1 h 05 min", "12 min", "40 s". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}
