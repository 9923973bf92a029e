// The tile grid drawn over the image viewer: the map from image pixels to
// the viewer element's pixels (a scale and a shift, the viewer never
// rotates), which tile lies under a point, and a tile's neighbours.
import type { Tile } from '../lib/api';

export interface Point {
  x: number;
  y: number;
}

/** screen = image × scale + offset, per axis. */
export interface Transform {
  scaleX: number;
  scaleY: number;
  offsetX: number;
  offsetY: number;
}

/**
 * The transform that sends the image's origin to p0 and its far corner
 * (width, height) to p1, both in viewer element pixels.
 */
export function transformFrom(p0: Point, p1: Point, width: number, height: number): Transform {
  return {
    scaleX: width > 0 ? (p1.x - p0.x) / width : 1,
    scaleY: height > 0 ? (p1.y - p0.y) / height : 1,
    offsetX: p0.x,
    offsetY: p0.y,
  };
}

export function toScreen(t: Transform, p: Point): Point {
  return { x: p.x * t.scaleX + t.offsetX, y: p.y * t.scaleY + t.offsetY };
}

export function toImage(t: Transform, p: Point): Point {
  return { x: (p.x - t.offsetX) / t.scaleX, y: (p.y - t.offsetY) / t.scaleY };
}

/** The SVG transform attribute that draws image-pixel shapes in place. */
export function svgMatrix(t: Transform): string {
  const f = (n: number) => (Number.isFinite(n) ? Number(n.toFixed(6)) : 0);
  return `matrix(${f(t.scaleX)} 0 0 ${f(t.scaleY)} ${f(t.offsetX)} ${f(t.offsetY)})`;
}

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** A tile's rectangle on screen. */
export function screenRect(t: Transform, tile: Rect): Rect {
  const a = toScreen(t, { x: tile.x, y: tile.y });
  const b = toScreen(t, { x: tile.x + tile.width, y: tile.y + tile.height });
  return { x: Math.min(a.x, b.x), y: Math.min(a.y, b.y), width: Math.abs(b.x - a.x), height: Math.abs(b.y - a.y) };
}

/**
 * The tile under an image point. Where tiles overlap, the one whose centre
 * is nearest; undefined outside every tile.
 */
export function tileAt<T extends Rect>(tiles: readonly T[], p: Point): T | undefined {
  let best: T | undefined;
  let bestD = Infinity;
  for (const t of tiles) {
    if (p.x < t.x || p.y < t.y || p.x >= t.x + t.width || p.y >= t.y + t.height) continue;
    const dx = p.x - (t.x + t.width / 2);
    const dy = p.y - (t.y + t.height / 2);
    const d = dx * dx + dy * dy;
    if (d < bestD) {
      bestD = d;
      best = t;
    }
  }
  return best;
}

/** Tiles in reading order: row by row, left to right. */
export function rowMajor(tiles: readonly Tile[]): Tile[] {
  return [...tiles].sort((a, b) => a.row - b.row || a.col - b.col || a.id - b.id);
}

/** The tiles before and after one, in reading order. */
export function neighbours(tiles: readonly Tile[], tileId: number): { prev: Tile | undefined; next: Tile | undefined; index: number } {
  const sorted = rowMajor(tiles);
  const index = sorted.findIndex((t) => t.id === tileId);
  if (index < 0) return { prev: undefined, next: undefined, index };
  return { prev: sorted[index - 1], next: sorted[index + 1], index };
}
