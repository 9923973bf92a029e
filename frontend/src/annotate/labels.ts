// The label file as the editor changes it: django-labeller's JSON, edited in
// place. Every edit returns a new file (the old one is an undo snapshot) and
// rebuilds only the label it touches, from its raw object: unknown label
// types and unknown fields are carried through untouched.
import type { Json, JsonObject, LabelFile, LabelJson } from '../lib/api';
import { addShape, boundsOf, boxesMeet, cleanRing, multiBounds, roundPoint, subtractShape, type Point, type Region } from './geometry';
import type { MultiPolygon } from 'polygon-clipping';

/** The completed task that marks a tile as done (django-labeller's "complete": true). */
export const finishedTask = 'finished';

export function emptyFile(imageFilename = ''): LabelFile {
  return { image_filename: imageFilename, completed_tasks: [], labels: [] };
}

export function isComplete(f: LabelFile): boolean {
  return f.completed_tasks.includes(finishedTask);
}

export function setComplete(f: LabelFile, done: boolean): LabelFile {
  const others = f.completed_tasks.filter((t) => t !== finishedTask);
  return { ...f, completed_tasks: done ? [...others, finishedTask] : others };
}

function isObj(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function vertexList(v: Json | undefined): Region | null {
  if (!Array.isArray(v)) return null;
  const out: Point[] = [];
  for (const p of v) {
    if (!isObj(p) || typeof p['x'] !== 'number' || typeof p['y'] !== 'number') return null;
    out.push({ x: p['x'], y: p['y'] });
  }
  return out;
}

/**
 * A polygon label's regions; null for other label types. The legacy single
 * "vertices" list wins over "regions", as in django-labeller.
 */
export function polygonRegions(l: LabelJson): Region[] | null {
  if (l.label_type !== 'polygon') return null;
  const legacy = vertexList(l['vertices']);
  if (legacy) return [legacy];
  const regions = l['regions'];
  if (!Array.isArray(regions)) return [];
  const out: Region[] = [];
  for (const r of regions) {
    const ring = vertexList(r);
    if (ring) out.push(ring);
  }
  return out;
}

export function labelClass(l: LabelJson): string | null {
  const c = l['label_class'];
  return typeof c === 'string' ? c : null;
}

export function objectId(l: LabelJson): string {
  const id = l['object_id'];
  return typeof id === 'string' ? id : typeof id === 'number' ? String(id) : '';
}

function regionsJson(regions: readonly Region[]): Json {
  return regions.map((r) => r.map((p) => {
    const q = roundPoint(p);
    return { x: q.x, y: q.y };
  }));
}

/** The label with new regions; only "regions" (and a legacy "vertices") change. */
export function withRegions(l: LabelJson, regions: readonly Region[]): LabelJson {
  const out: LabelJson = { ...l, regions: regionsJson(regions) };
  delete out['vertices'];
  return out;
}

// ---- object ids: "<uuid>__<n>" as django-labeller makes them ----

let idSession = '';
let idCounter = 0;

function uuid4(): string {
  const b = new Uint8Array(16);
  // getRandomValues works outside secure contexts too (randomUUID does not).
  globalThis.crypto.getRandomValues(b);
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x40;
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export function newObjectId(): string {
  if (!idSession) idSession = uuid4();
  idCounter++;
  return `${idSession}__${idCounter}`;
}

export function newPolygonLabel(cls: string | null, regions: readonly Region[], id = newObjectId()): LabelJson {
  return {
    label_type: 'polygon',
    object_id: id,
    label_class: cls,
    source: 'manual',
    anno_data: {},
    regions: regionsJson(regions),
  };
}

// ---- edits: each returns a new file ----

function replaceLabel(f: LabelFile, index: number, l: LabelJson | null): LabelFile {
  const labels = [...f.labels];
  if (l) labels[index] = l;
  else labels.splice(index, 1);
  return { ...f, labels };
}

/** Adds a polygon label at the end (drawn on top); returns the file and its index. */
export function addPolygon(f: LabelFile, cls: string | null, regions: readonly Region[]): { file: LabelFile; index: number } {
  const clean = regions.map((r) => cleanRing(r)).filter((r): r is Region => r !== null);
  if (clean.length === 0) return { file: f, index: -1 };
  return { file: { ...f, labels: [...f.labels, newPolygonLabel(cls, clean)] }, index: f.labels.length };
}

/** Adds one more region to a polygon label: under XOR a region inside it is a hole. */
export function addRegion(f: LabelFile, index: number, ring: Region): LabelFile {
  const l = f.labels[index];
  const regions = l ? polygonRegions(l) : null;
  const clean = cleanRing(ring);
  if (!l || !regions || !clean) return f;
  return replaceLabel(f, index, withRegions(l, [...regions, clean]));
}

export function deleteLabel(f: LabelFile, index: number): LabelFile {
  if (index < 0 || index >= f.labels.length) return f;
  return replaceLabel(f, index, null);
}

export function setClass(f: LabelFile, index: number, cls: string | null): LabelFile {
  const l = f.labels[index];
  if (!l || labelClass(l) === cls) return f;
  return replaceLabel(f, index, { ...l, label_class: cls });
}

/** Moves one vertex of a polygon label. */
export function moveVertex(f: LabelFile, index: number, region: number, vertex: number, p: Point): LabelFile {
  const l = f.labels[index];
  const regions = l ? polygonRegions(l) : null;
  const ring = regions?.[region];
  if (!l || !regions || !ring || vertex < 0 || vertex >= ring.length) return f;
  const next = regions.map((r, i) => (i === region ? r.map((q, j) => (j === vertex ? p : q)) : r));
  return replaceLabel(f, index, withRegions(l, next));
}

/** Inserts a vertex after position `after` of one region. */
export function insertVertex(f: LabelFile, index: number, region: number, after: number, p: Point): LabelFile {
  const l = f.labels[index];
  const regions = l ? polygonRegions(l) : null;
  const ring = regions?.[region];
  if (!l || !regions || !ring) return f;
  const r2 = [...ring.slice(0, after + 1), p, ...ring.slice(after + 1)];
  return replaceLabel(f, index, withRegions(l, regions.map((r, i) => (i === region ? r2 : r))));
}

/** Removes a vertex; a region left with fewer than 3 goes, and a label left with none goes. */
export function removeVertex(f: LabelFile, index: number, region: number, vertex: number): LabelFile {
  const l = f.labels[index];
  const regions = l ? polygonRegions(l) : null;
  const ring = regions?.[region];
  if (!l || !regions || !ring) return f;
  const r2 = ring.filter((_, j) => j !== vertex);
  const next = r2.length >= 3 ? regions.map((r, i) => (i === region ? r2 : r)) : regions.filter((_, i) => i !== region);
  return replaceLabel(f, index, next.length > 0 ? withRegions(l, next) : null);
}

/** Unites a brush stroke with a polygon label. */
export function brushAdd(f: LabelFile, index: number, stroke: MultiPolygon): LabelFile {
  const l = f.labels[index];
  const regions = l ? polygonRegions(l) : null;
  if (!l || !regions) return f;
  return replaceLabel(f, index, withRegions(l, addShape(regions, stroke)));
}

/** Takes a brush stroke out of a polygon label; a label left empty is deleted. */
export function brushSubtract(f: LabelFile, index: number, stroke: MultiPolygon): LabelFile {
  const l = f.labels[index];
  const regions = l ? polygonRegions(l) : null;
  if (!l || !regions) return f;
  const left = subtractShape(regions, stroke);
  return replaceLabel(f, index, left.length > 0 ? withRegions(l, left) : null);
}

/**
 * The eraser: takes the stroke out of every polygon label it touches
 * (other label types are left alone); labels left empty are deleted.
 */
export function erase(f: LabelFile, stroke: MultiPolygon): LabelFile {
  const box = multiBounds(stroke);
  if (!box) return f;
  let changed = false;
  const labels: LabelJson[] = [];
  for (const l of f.labels) {
    const regions = polygonRegions(l);
    const b = regions ? boundsOf(regions) : null;
    if (!regions || !b || !boxesMeet(b, box)) {
      labels.push(l);
      continue;
    }
    const left = subtractShape(regions, stroke);
    changed = true;
    if (left.length > 0) labels.push(withRegions(l, left));
  }
  return changed ? { ...f, labels } : f;
}

/** Names of classes used by labels that the schema does not have. */
export function unknownClasses(f: LabelFile, known: ReadonlySet<string>): Set<string> {
  const out = new Set<string>();
  for (const l of f.labels) {
    const c = labelClass(l);
    if (c !== null && !known.has(c)) out.add(c);
  }
  return out;
}

/** A short name of a label type for lists. */
export function typeName(t: string): string {
  switch (t) {
    case 'polygon':
      return 'Polygon';
    case 'box':
      return 'Box';
    case 'point':
      return 'Point';
    case 'oriented_ellipse':
      return 'Ellipse';
    case 'composite':
      return 'Composite';
    case 'group':
      return 'Group';
    default:
      return t;
  }
}
