// Polygon geometry of the editor, in tile pixels ((0, 0) is the centre of the
// top-left pixel, as django-labeller and Pillow have it). A label's regions
// are rings combined by XOR (even-odd): a region inside another is a hole.
// Brush strokes become polygons and meet labels through polygon-clipping's
// boolean operations; its MultiPolygon answers become regions again.
import polygonClipping, { type MultiPolygon, type Pair, type Polygon, type Ring } from 'polygon-clipping';

export interface Point {
  x: number;
  y: number;
}

/** One ring of vertices, not closed (the last vertex is not the first again). */
export type Region = Point[];

/** Coordinates are kept to 1/100 pixel: enough, and files stay small. */
export function round(n: number): number {
  return Math.round(n * 100) / 100;
}

export function roundPoint(p: Point): Point {
  return { x: round(p.x), y: round(p.y) };
}

/** Twice the signed area of a ring (positive when counter-clockwise in y-up). */
function area2(r: readonly Point[]): number {
  let a = 0;
  for (let i = 0, j = r.length - 1; i < r.length; j = i++) {
    const p = r[j]!;
    const q = r[i]!;
    a += p.x * q.y - q.x * p.y;
  }
  return a;
}

export function ringArea(r: readonly Point[]): number {
  return Math.abs(area2(r)) / 2;
}

/** Drops repeated vertices and the closing vertex; null when fewer than 3 remain or no area. */
export function cleanRing(r: readonly Point[]): Region | null {
  const out: Point[] = [];
  for (const p of r) {
    const last = out[out.length - 1];
    if (!last || last.x !== p.x || last.y !== p.y) out.push(p);
  }
  while (out.length > 1) {
    const a = out[0]!;
    const b = out[out.length - 1]!;
    if (a.x === b.x && a.y === b.y) out.pop();
    else break;
  }
  if (out.length < 3 || ringArea(out) < 1e-6) return null;
  return out;
}

function toRing(r: readonly Point[]): Ring {
  return r.map((p): Pair => [p.x, p.y]);
}

function fromRing(r: Ring): Region | null {
  return cleanRing(r.map(([x, y]) => roundPoint({ x, y })));
}

/**
 * The area a label's regions cover under XOR, as a MultiPolygon of disjoint
 * polygons with their holes. Regions with fewer than 3 vertices are skipped.
 */
export function regionsToMulti(regions: readonly Region[]): MultiPolygon {
  const polys: Polygon[] = [];
  for (const r of regions) {
    const c = cleanRing(r);
    if (c) polys.push([toRing(c)]);
  }
  const [first, ...rest] = polys;
  if (!first) return [];
  // xor of one polygon still tidies it (self-intersections, orientation).
  return polygonClipping.xor(first, ...rest);
}

/**
 * Regions of a MultiPolygon: every outer ring and every hole becomes one
 * region. The polygons are disjoint and holes lie inside their outer ring,
 * so XOR of the regions gives the same area back.
 */
export function multiToRegions(mp: MultiPolygon): Region[] {
  const out: Region[] = [];
  for (const poly of mp) {
    for (const ring of poly) {
      const r = fromRing(ring);
      if (r) out.push(r);
    }
  }
  return out;
}

/**
 * A regular polygon approximating a circle of radius r around c, with the
 * circle's area (its vertices lie a little outside the circle).
 */
export function circle(c: Point, r: number, sides = circleSides(r)): Region {
  const out: Point[] = [];
  const k = Math.sqrt((2 * Math.PI) / (sides * Math.sin((2 * Math.PI) / sides)));
  for (let i = 0; i < sides; i++) {
    const a = (i / sides) * Math.PI * 2;
    out.push({ x: c.x + r * k * Math.cos(a), y: c.y + r * k * Math.sin(a) });
  }
  return out;
}

export function circleSides(r: number): number {
  return Math.max(12, Math.min(64, Math.ceil(r * 1.5)));
}

/** The convex hull of points (Andrew's monotone chain). */
export function convexHull(points: readonly Point[]): Region {
  const pts = [...points].sort((a, b) => a.x - b.x || a.y - b.y);
  if (pts.length < 3) return pts;
  const cross = (o: Point, a: Point, b: Point) => (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x);
  const lower: Point[] = [];
  for (const p of pts) {
    while (lower.length >= 2 && cross(lower[lower.length - 2]!, lower[lower.length - 1]!, p) <= 0) lower.pop();
    lower.push(p);
  }
  const upper: Point[] = [];
  for (let i = pts.length - 1; i >= 0; i--) {
    const p = pts[i]!;
    while (upper.length >= 2 && cross(upper[upper.length - 2]!, upper[upper.length - 1]!, p) <= 0) upper.pop();
    upper.push(p);
  }
  upper.pop();
  lower.pop();
  return lower.concat(upper);
}

/**
 * Thins a stroke's points: keeps a point only once it is at least minStep
 * from the last kept one (and always the last point).
 */
export function thin(points: readonly Point[], minStep: number): Point[] {
  const out: Point[] = [];
  for (const p of points) {
    const last = out[out.length - 1];
    if (!last || Math.hypot(p.x - last.x, p.y - last.y) >= minStep) out.push(p);
  }
  const end = points[points.length - 1];
  const kept = out[out.length - 1];
  if (end && kept && (end.x !== kept.x || end.y !== kept.y)) out.push(end);
  return out;
}

/**
 * The area a round brush of the given radius covers along a stroke: a
 * capsule (hull of two circles) per segment, all united.
 */
export function strokePolygon(points: readonly Point[], radius: number): MultiPolygon {
  const pts = thin(points, Math.max(0.5, radius / 4));
  const first = pts[0];
  if (!first || radius <= 0) return [];
  const sides = circleSides(radius);
  if (pts.length === 1) return [[toRing(circle(first, radius, sides))]];
  const pieces: Polygon[] = [];
  for (let i = 1; i < pts.length; i++) {
    const a = pts[i - 1]!;
    const b = pts[i]!;
    pieces.push([toRing(convexHull([...circle(a, radius, sides), ...circle(b, radius, sides)]))]);
  }
  const [head, ...rest] = pieces;
  return head ? polygonClipping.union(head, ...rest) : [];
}

/** The label's regions with the shape added (union). */
export function addShape(regions: readonly Region[], shape: MultiPolygon): Region[] {
  const mine = regionsToMulti(regions);
  if (shape.length === 0) return multiToRegions(mine);
  if (mine.length === 0) return multiToRegions(polygonClipping.union(shape));
  return multiToRegions(polygonClipping.union(mine, shape));
}

/** The label's regions with the shape taken away (difference); [] when nothing is left. */
export function subtractShape(regions: readonly Region[], shape: MultiPolygon): Region[] {
  const mine = regionsToMulti(regions);
  if (mine.length === 0) return [];
  if (shape.length === 0) return multiToRegions(mine);
  return multiToRegions(polygonClipping.difference(mine, shape));
}

export interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export function boundsOf(regions: readonly (readonly Point[])[]): Box | null {
  let b: Box | null = null;
  for (const r of regions) {
    for (const p of r) {
      if (!b) b = { x0: p.x, y0: p.y, x1: p.x, y1: p.y };
      else {
        b.x0 = Math.min(b.x0, p.x);
        b.y0 = Math.min(b.y0, p.y);
        b.x1 = Math.max(b.x1, p.x);
        b.y1 = Math.max(b.y1, p.y);
      }
    }
  }
  return b;
}

export function multiBounds(mp: MultiPolygon): Box | null {
  return boundsOf(mp.flatMap((poly) => poly.map((ring) => ring.map(([x, y]) => ({ x, y })))));
}

export function boxesMeet(a: Box, b: Box): boolean {
  return a.x0 <= b.x1 && b.x0 <= a.x1 && a.y0 <= b.y1 && b.y0 <= a.y1;
}

/** Whether p is inside one ring (even-odd ray casting). */
export function inRing(r: readonly Point[], p: Point): boolean {
  let inside = false;
  for (let i = 0, j = r.length - 1; i < r.length; j = i++) {
    const a = r[i]!;
    const b = r[j]!;
    if (a.y > p.y !== b.y > p.y && p.x < ((b.x - a.x) * (p.y - a.y)) / (b.y - a.y) + a.x) inside = !inside;
  }
  return inside;
}

/** Whether p is inside a label's regions under XOR: inside an odd number of rings. */
export function inRegions(regions: readonly (readonly Point[])[], p: Point): boolean {
  let n = 0;
  for (const r of regions) if (r.length >= 3 && inRing(r, p)) n++;
  return n % 2 === 1;
}

/** The distance from p to the segment a-b, and where along it (0..1) the nearest point is. */
export function segmentDistance(p: Point, a: Point, b: Point): { d: number; t: number } {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const len2 = dx * dx + dy * dy;
  const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((p.x - a.x) * dx + (p.y - a.y) * dy) / len2));
  return { d: Math.hypot(p.x - (a.x + t * dx), p.y - (a.y + t * dy)), t };
}

/** An SVG path of regions; drawn with fill-rule="evenodd" it is their XOR. */
export function regionsPath(regions: readonly (readonly Point[])[]): string {
  let d = '';
  for (const r of regions) {
    if (r.length < 2) continue;
    d += r.map((p, i) => `${i === 0 ? 'M' : 'L'}${round(p.x)} ${round(p.y)}`).join('') + 'Z';
  }
  return d;
}
