// What lies under the pointer: a label (the topmost polygon whose XOR area
// holds the point), a vertex or an edge of one label. Tolerances are in tile
// pixels (the caller divides screen pixels by the zoom).
import type { LabelJson } from '../lib/api';
import { inRegions, segmentDistance, type Point } from './geometry';
import { polygonRegions } from './labels';

/** The index of the topmost polygon label under p, or -1. Later labels are drawn on top. */
export function labelAt(labels: readonly LabelJson[], p: Point, visible?: (index: number) => boolean): number {
  for (let i = labels.length - 1; i >= 0; i--) {
    if (visible && !visible(i)) continue;
    const l = labels[i];
    const regions = l ? polygonRegions(l) : null;
    if (regions && inRegions(regions, p)) return i;
  }
  return -1;
}

export interface VertexHit {
  region: number;
  vertex: number;
}

/** The vertex of a label nearest p within tol, or null. */
export function vertexAt(l: LabelJson, p: Point, tol: number): VertexHit | null {
  const regions = polygonRegions(l);
  if (!regions) return null;
  let best: VertexHit | null = null;
  let bestD = tol;
  regions.forEach((r, ri) =>
    r.forEach((q, vi) => {
      const d = Math.hypot(q.x - p.x, q.y - p.y);
      if (d <= bestD) {
        bestD = d;
        best = { region: ri, vertex: vi };
      }
    }),
  );
  return best;
}

export interface EdgeHit {
  region: number;
  /** The edge runs from this vertex to the next (wrapping). */
  after: number;
  /** The nearest point on the edge. */
  point: Point;
}

/** The edge of a label nearest p within tol, or null. */
export function edgeAt(l: LabelJson, p: Point, tol: number): EdgeHit | null {
  const regions = polygonRegions(l);
  if (!regions) return null;
  let best: EdgeHit | null = null;
  let bestD = tol;
  regions.forEach((r, ri) => {
    for (let i = 0; i < r.length; i++) {
      const a = r[i]!;
      const b = r[(i + 1) % r.length]!;
      const { d, t } = segmentDistance(p, a, b);
      if (d <= bestD) {
        bestD = d;
        best = { region: ri, after: i, point: { x: a.x + (b.x - a.x) * t, y: a.y + (b.y - a.y) * t } };
      }
    }
  });
  return best;
}
