// The one typed client of Tessera's HTTP JSON API. Every view talks to the
// backend through it; responses are checked against the contract before they
// are handed out, so nothing untyped crosses this boundary.

import { ApiError, type ErrorCode, type FieldError } from './errors';
import { bad, isObj, list, num, oneOf, str, type Obj } from './decode';

export { ApiError, type ErrorCode, type FieldError };

const serverCodes: readonly string[] = [
  'invalid',
  'conflict',
  'not_found',
  'unauthorized',
  'forbidden',
  'too_large',
  'too_many',
  'internal',
];

export type Mode = 'desktop' | 'server';
export type Role = 'admin' | 'professor' | 'assistant' | 'student';

export interface Health {
  status: 'ok';
  version: string;
  mode: Mode;
}

export interface User {
  id: number;
  name: string;
  role: Role;
  created_at: string;
}

export interface Session {
  user: User;
  mode: Mode;
}

export interface Project {
  id: number;
  name: string;
  description: string;
  created_at: string;
  updated_at: string;
}

export interface ProjectInput {
  name: string;
  description: string;
}

export interface ProjectUpdate {
  name?: string;
  description?: string;
}

export type ImageFormat = 'jpeg' | 'png' | 'tiff' | 'bmp' | 'webp';
export type ImageState = 'queued' | 'tiling' | 'ready' | 'failed' | 'missing';

/** The zoom pyramid of an image, level levels-1 being full size. */
export interface Pyramid {
  tile_size: number;
  levels: number;
  format: 'jpg';
}

/** An imported image: its original file in input_images/ and how it was tiled. */
export interface Image {
  id: number;
  project_id: number;
  /** The original file name. */
  name: string;
  /** Its name in input_images/. */
  file: string;
  format: ImageFormat;
  width: number;
  height: number;
  bit_depth: number;
  channels: number;
  bytes: number;
  sha256: string;
  tile_size: number;
  overlap: number;
  tiles_count: number;
  state: ImageState;
  error: string;
  pyramid: Pyramid | null;
  created_at: string;
  updated_at: string;
}

export interface ImagePage {
  images: Image[];
  total: number;
}

/** One tile cut from an image; row and col count from 0, x and y in image pixels. */
export interface Tile {
  id: number;
  image_id: number;
  row: number;
  col: number;
  x: number;
  y: number;
  width: number;
  height: number;
  name: string;
}

export interface TilePage {
  tiles: Tile[];
  total: number;
}

/** What an import did with each file it was given. */
export interface ImportResult {
  imported: Image[];
  duplicates: { path: string; image_id: number }[];
  failed: { path: string; error: string }[];
}

/** Tiling progress of one image, from an "image.progress" event. */
export interface ImageProgress {
  image_id: number;
  done: number;
  total: number;
}

/** Something the UIs should hear about at once, from /api/events or Wails. */
export interface LiveEvent {
  type: string;
  project_id?: number;
  data?: unknown;
  time: string;
}

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json | undefined };

// ---- annotation: label classes, label files, progress ----

export type RGB = [number, number, number];

/** A named set of class colours of a schema ("natural", …); "default" is implicit. */
export interface ColourScheme {
  name: string;
  human_name: string;
}

/** One label class: name is what label files store in label_class. */
export interface LabelClass {
  name: string;
  human_name: string;
  /** Colour by scheme name, "default" among them. */
  colours: Record<string, RGB>;
}

export interface LabelClassGroup {
  group_name: string;
  group_classes: LabelClass[];
}

/** A project's label classes in django-labeller's schema.json form. */
export interface Schema {
  colour_schemes: ColourScheme[];
  label_class_groups: LabelClassGroup[];
  name?: string;
  description?: string;
}

export type JsonObject = { [key: string]: Json | undefined };

/**
 * One label of a django-labeller file, kept as the JSON object it is so that
 * unknown types and fields survive an edit. A polygon has "regions": rings of
 * {x, y} vertices in tile pixels (combined by XOR), "label_class",
 * "object_id", "source" and "anno_data".
 */
export interface LabelJson extends JsonObject {
  label_type: string;
}

/** A django-labeller label file: the labels of one tile. Unknown keys are kept. */
export interface LabelFile extends JsonObject {
  image_filename: string;
  completed_tasks: string[];
  labels: LabelJson[];
}

/** A label the server left out of masks, and why (e.g. a class not in the schema). */
export interface LabelProblem {
  /** The label's index in the file. */
  label: number;
  object_id: string;
  class: string;
  reason: string;
}

export interface TileNeighbours {
  prev: number | null;
  next: number | null;
  left: number | null;
  right: number | null;
  up: number | null;
  down: number | null;
}

/** GET /api/tiles/{id}/labels. */
export interface TileLabels {
  tile: Tile;
  image: Image;
  labels: LabelFile;
  revision: number;
  complete: boolean;
  problems: LabelProblem[];
  neighbours: TileNeighbours;
}

export interface LabelsSave {
  labels: LabelFile;
  base_revision: number;
  edit_seconds: number;
}

export interface LabelsSaved {
  revision: number;
  complete: boolean;
  problems: LabelProblem[];
}

export interface ImageProgressRow {
  image_id: number;
  name: string;
  tiles: number;
  labelled: number;
  complete: number;
}

export interface Progress {
  images: ImageProgressRow[];
  tiles: number;
  labelled: number;
  complete: number;
  classes: { name: string; labels: number }[];
  users: { user: string; tiles: number; seconds: number }[];
}

/** The data of a "labels.updated" event. */
export interface LabelsUpdated {
  tile_id: number;
  image_id: number;
  revision: number;
  complete: boolean;
  labels: number;
  user: string;
}

export type ExportFormat = 'masks' | 'django-labeller' | 'coco';
export type ExportPer = 'tile' | 'image';

/**
 * A request body: JSON, or raw bytes. Blob, File and FormData are left out on
 * purpose: as a fetch body they crash the desktop window (WebKitGTK).
 */
export type Body = Json | ArrayBuffer | Uint8Array<ArrayBuffer>;

export type Fetch = (input: string, init?: RequestInit) => Promise<Response>;

export interface RequestOptions {
  /** Lets the request outlive the page (pagehide); browsers cap such bodies at 64 KiB. */
  keepalive?: boolean;
}

export interface ClientOptions {
  /** Prefix of every path, "" for the page's own origin. */
  baseUrl?: string;
  fetch?: Fetch;
  /** Called when any call answers 401, e.g. to show the sign-in form again. */
  onUnauthorized?: (err: ApiError) => void;
}

// ---- decoding: unknown JSON → contract types ----

const modes: readonly Mode[] = ['desktop', 'server'];
const roles: readonly Role[] = ['admin', 'professor', 'assistant', 'student'];

export function decodeHealth(v: unknown): Health {
  if (!isObj(v)) throw bad('health');
  return {
    status: oneOf(v, 'status', ['ok'] as const, 'health'),
    version: str(v, 'version', 'health'),
    mode: oneOf(v, 'mode', modes, 'health'),
  };
}

export function decodeUser(v: unknown): User {
  if (!isObj(v)) throw bad('user');
  return {
    id: num(v, 'id', 'user'),
    name: str(v, 'name', 'user'),
    role: oneOf(v, 'role', roles, 'user'),
    created_at: str(v, 'created_at', 'user'),
  };
}

export function decodeSession(v: unknown): Session {
  if (!isObj(v)) throw bad('session');
  return { user: decodeUser(v['user']), mode: oneOf(v, 'mode', modes, 'session') };
}

export function decodeProject(v: unknown): Project {
  if (!isObj(v)) throw bad('project');
  return {
    id: num(v, 'id', 'project'),
    name: str(v, 'name', 'project'),
    description: typeof v['description'] === 'string' ? v['description'] : '',
    created_at: str(v, 'created_at', 'project'),
    updated_at: str(v, 'updated_at', 'project'),
  };
}

export function decodeProjects(v: unknown): Project[] {
  if (!isObj(v)) throw bad('projects');
  const list = v['projects'];
  // A Go nil slice marshals as null: read it as no projects.
  if (list === null) return [];
  if (!Array.isArray(list)) throw bad('projects');
  return list.map(decodeProject);
}

const imageFormats: readonly ImageFormat[] = ['jpeg', 'png', 'tiff', 'bmp', 'webp'];
const imageStates: readonly ImageState[] = ['queued', 'tiling', 'ready', 'failed', 'missing'];

/** A list field: a Go nil slice marshals as null, read as empty. */
function decodePyramid(v: unknown): Pyramid | null {
  if (v === null || v === undefined) return null;
  if (!isObj(v)) throw bad('image.pyramid');
  const p: Pyramid = {
    tile_size: num(v, 'tile_size', 'image.pyramid'),
    levels: num(v, 'levels', 'image.pyramid'),
    format: oneOf(v, 'format', ['jpg'] as const, 'image.pyramid'),
  };
  if (p.tile_size < 1 || p.levels < 1 || !Number.isInteger(p.levels)) throw bad('image.pyramid');
  return p;
}

export function decodeImage(v: unknown): Image {
  if (!isObj(v)) throw bad('image');
  const w = 'image';
  return {
    id: num(v, 'id', w),
    project_id: num(v, 'project_id', w),
    name: str(v, 'name', w),
    file: str(v, 'file', w),
    format: oneOf(v, 'format', imageFormats, w),
    width: num(v, 'width', w),
    height: num(v, 'height', w),
    bit_depth: num(v, 'bit_depth', w),
    channels: num(v, 'channels', w),
    bytes: num(v, 'bytes', w),
    sha256: typeof v['sha256'] === 'string' ? v['sha256'] : '',
    tile_size: num(v, 'tile_size', w),
    overlap: num(v, 'overlap', w),
    tiles_count: num(v, 'tiles_count', w),
    state: oneOf(v, 'state', imageStates, w),
    error: typeof v['error'] === 'string' ? v['error'] : '',
    pyramid: decodePyramid(v['pyramid']),
    created_at: str(v, 'created_at', w),
    updated_at: str(v, 'updated_at', w),
  };
}

export function decodeImagePage(v: unknown): ImagePage {
  if (!isObj(v)) throw bad('images');
  return { images: list(v, 'images', 'images').map(decodeImage), total: num(v, 'total', 'images') };
}

export function decodeTile(v: unknown): Tile {
  if (!isObj(v)) throw bad('tile');
  const w = 'tile';
  return {
    id: num(v, 'id', w),
    image_id: num(v, 'image_id', w),
    row: num(v, 'row', w),
    col: num(v, 'col', w),
    x: num(v, 'x', w),
    y: num(v, 'y', w),
    width: num(v, 'width', w),
    height: num(v, 'height', w),
    name: str(v, 'name', w),
  };
}

export function decodeTilePage(v: unknown): TilePage {
  if (!isObj(v)) throw bad('tiles');
  return { tiles: list(v, 'tiles', 'tiles').map(decodeTile), total: num(v, 'total', 'tiles') };
}

export function decodeImportResult(v: unknown): ImportResult {
  if (!isObj(v) || !isObj(v['result'])) throw bad('import');
  const r = v['result'];
  const w = 'import';
  return {
    imported: list(r, 'imported', w).map(decodeImage),
    duplicates: list(r, 'duplicates', w).map((d) => {
      if (!isObj(d)) throw bad('import.duplicates');
      return { path: str(d, 'path', 'import.duplicates'), image_id: num(d, 'image_id', 'import.duplicates') };
    }),
    failed: list(r, 'failed', w).map((f) => {
      if (!isObj(f)) throw bad('import.failed');
      return { path: str(f, 'path', 'import.failed'), error: str(f, 'error', 'import.failed') };
    }),
  };
}

/** The data of an "image.progress" event; null when it is not one. */
export function decodeImageProgress(v: unknown): ImageProgress | null {
  if (!isObj(v)) return null;
  const { image_id, done, total } = v;
  if (typeof image_id !== 'number' || typeof done !== 'number' || typeof total !== 'number') return null;
  if (!Number.isFinite(done) || !Number.isFinite(total)) return null;
  return { image_id, done, total };
}

// ---- annotation decoding ----

function rgb(v: unknown, what: string): RGB {
  if (!Array.isArray(v) || v.length !== 3) throw bad(what);
  const out = v.map((c) => {
    if (typeof c !== 'number' || !Number.isInteger(c) || c < 0 || c > 255) throw bad(what);
    return c;
  });
  return [out[0] ?? 0, out[1] ?? 0, out[2] ?? 0];
}

function decodeLabelClass(v: unknown): LabelClass {
  const w = 'schema.class';
  if (!isObj(v)) throw bad(w);
  const colours: Record<string, RGB> = {};
  const c = v['colours'];
  if (c !== undefined && c !== null) {
    if (!isObj(c)) throw bad(`${w}.colours`);
    for (const [k, col] of Object.entries(c)) colours[k] = rgb(col, `${w}.colours`);
  }
  const name = str(v, 'name', w);
  return { name, human_name: typeof v['human_name'] === 'string' ? v['human_name'] : name, colours };
}

export function decodeSchema(v: unknown): Schema {
  const w = 'schema';
  if (!isObj(v)) throw bad(w);
  const s: Schema = {
    colour_schemes: list(v, 'colour_schemes', w).map((cs) => {
      if (!isObj(cs)) throw bad(`${w}.colour_schemes`);
      const name = str(cs, 'name', `${w}.colour_schemes`);
      return { name, human_name: typeof cs['human_name'] === 'string' ? cs['human_name'] : name };
    }),
    label_class_groups: list(v, 'label_class_groups', w).map((g) => {
      if (!isObj(g)) throw bad(`${w}.label_class_groups`);
      return {
        group_name: typeof g['group_name'] === 'string' ? g['group_name'] : '',
        group_classes: list(g, 'group_classes', `${w}.group`).map(decodeLabelClass),
      };
    }),
  };
  if (typeof v['name'] === 'string') s.name = v['name'];
  if (typeof v['description'] === 'string') s.description = v['description'];
  return s;
}

function isJson(v: unknown, depth = 0): v is Json {
  if (depth > 64) return false;
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return true;
  if (typeof v === 'number') return Number.isFinite(v);
  if (Array.isArray(v)) return v.every((x) => isJson(x, depth + 1));
  if (isObj(v)) return Object.values(v).every((x) => x === undefined || isJson(x, depth + 1));
  return false;
}

function isVertexList(v: unknown): boolean {
  return Array.isArray(v) && v.every((p) => isObj(p) && typeof p['x'] === 'number' && typeof p['y'] === 'number');
}

/** One label: any JSON object with a label_type; a polygon's geometry is checked. */
export function decodeLabel(v: unknown): LabelJson {
  const w = 'labels.label';
  if (!isObj(v) || typeof v['label_type'] !== 'string' || !isJson(v)) throw bad(w);
  if (v['label_type'] === 'polygon') {
    const regions = v['regions'];
    const vertices = v['vertices'];
    const okRegions = regions === undefined || regions === null || (Array.isArray(regions) && regions.every(isVertexList));
    const okVertices = vertices === undefined || vertices === null || isVertexList(vertices);
    if (!okRegions || !okVertices) throw bad(`${w}.regions`);
  }
  return v as LabelJson;
}

/**
 * A label file as the API sends it. The legacy "complete": true|false
 * becomes completed_tasks ["finished"] or [] (completed_tasks wins).
 */
export function decodeLabelFile(v: unknown): LabelFile {
  const w = 'labels';
  if (Array.isArray(v)) v = { labels: v };
  if (!isObj(v) || !isJson(v)) throw bad(w);
  const out: LabelFile = { ...(v as JsonObject), image_filename: '', completed_tasks: [], labels: [] };
  out.image_filename = typeof v['image_filename'] === 'string' ? v['image_filename'] : '';
  const tasks = v['completed_tasks'];
  if (Array.isArray(tasks)) {
    out.completed_tasks = tasks.filter((t): t is string => typeof t === 'string');
  } else if (v['complete'] === true) {
    out.completed_tasks = ['finished'];
  }
  delete out['complete'];
  out.labels = list(v, 'labels', w).map(decodeLabel);
  return out;
}

function decodeProblems(o: Obj, what: string): LabelProblem[] {
  return list(o, 'problems', what).map((p) => {
    if (!isObj(p)) throw bad(`${what}.problems`);
    return {
      label: typeof p['label'] === 'number' ? p['label'] : -1,
      object_id: typeof p['object_id'] === 'string' ? p['object_id'] : '',
      class: typeof p['class'] === 'string' ? p['class'] : '',
      reason: typeof p['reason'] === 'string' ? p['reason'] : '',
    };
  });
}

function optId(o: Obj, key: string, what: string): number | null {
  const v = o[key];
  if (v === null || v === undefined) return null;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw bad(`${what}.${key}`);
  return v;
}

export function decodeTileLabels(v: unknown): TileLabels {
  const w = 'tile labels';
  if (!isObj(v)) throw bad(w);
  const n = isObj(v['neighbours']) ? v['neighbours'] : {};
  return {
    tile: decodeTile(v['tile']),
    image: decodeImage(v['image']),
    labels: decodeLabelFile(v['labels'] ?? { labels: [] }),
    revision: num(v, 'revision', w),
    complete: v['complete'] === true,
    problems: decodeProblems(v, w),
    neighbours: {
      prev: optId(n, 'prev', 'neighbours'),
      next: optId(n, 'next', 'neighbours'),
      left: optId(n, 'left', 'neighbours'),
      right: optId(n, 'right', 'neighbours'),
      up: optId(n, 'up', 'neighbours'),
      down: optId(n, 'down', 'neighbours'),
    },
  };
}

export function decodeLabelsSaved(v: unknown): LabelsSaved {
  const w = 'labels saved';
  if (!isObj(v)) throw bad(w);
  return { revision: num(v, 'revision', w), complete: v['complete'] === true, problems: decodeProblems(v, w) };
}

export function decodeProgress(v: unknown): Progress {
  const w = 'progress';
  if (!isObj(v)) throw bad(w);
  return {
    images: list(v, 'images', w).map((r) => {
      if (!isObj(r)) throw bad(`${w}.images`);
      const x = `${w}.images`;
      return {
        image_id: num(r, 'image_id', x),
        name: str(r, 'name', x),
        tiles: num(r, 'tiles', x),
        labelled: num(r, 'labelled', x),
        complete: num(r, 'complete', x),
      };
    }),
    tiles: num(v, 'tiles', w),
    labelled: num(v, 'labelled', w),
    complete: num(v, 'complete', w),
    classes: list(v, 'classes', w).map((c) => {
      if (!isObj(c)) throw bad(`${w}.classes`);
      return { name: str(c, 'name', `${w}.classes`), labels: num(c, 'labels', `${w}.classes`) };
    }),
    users: list(v, 'users', w).map((u) => {
      if (!isObj(u)) throw bad(`${w}.users`);
      return { user: str(u, 'user', `${w}.users`), tiles: num(u, 'tiles', `${w}.users`), seconds: num(u, 'seconds', `${w}.users`) };
    }),
  };
}

/** Whether an event says a project's label classes changed ("project.updated" with changed "schema"). */
export function isSchemaEvent(ev: LiveEvent, projectId: number): boolean {
  if (ev.type !== 'project.updated' || ev.project_id !== projectId) return false;
  return isObj(ev.data) && ev.data['changed'] === 'schema';
}

/** The data of a "labels.updated" event; null when it is not one. */
export function decodeLabelsUpdated(v: unknown): LabelsUpdated | null {
  if (!isObj(v)) return null;
  const { tile_id, image_id, revision } = v;
  if (typeof tile_id !== 'number' || typeof revision !== 'number') return null;
  return {
    tile_id,
    image_id: typeof image_id === 'number' ? image_id : 0,
    revision,
    complete: v['complete'] === true,
    labels: typeof v['labels'] === 'number' ? v['labels'] : 0,
    user: typeof v['user'] === 'string' ? v['user'] : '',
  };
}

/** Reads one live event; null when the value is not an event at all. */
export function decodeEvent(v: unknown): LiveEvent | null {
  if (typeof v === 'string') {
    try {
      v = JSON.parse(v) as unknown;
    } catch {
      return null;
    }
  }
  if (!isObj(v) || typeof v['type'] !== 'string') return null;
  const ev: LiveEvent = { type: v['type'], time: typeof v['time'] === 'string' ? v['time'] : '' };
  if (typeof v['project_id'] === 'number') ev.project_id = v['project_id'];
  if ('data' in v) ev.data = v['data'];
  return ev;
}

/** Builds the ApiError for a non-2xx response from its status and body text. */
export function errorFromResponse(status: number, statusText: string, text: string): ApiError {
  let parsed: unknown = undefined;
  try {
    parsed = JSON.parse(text) as unknown;
  } catch {
    // not JSON: a proxy's HTML page, an empty body…
  }
  if (isObj(parsed) && isObj(parsed['error'])) {
    const e = parsed['error'];
    const code = typeof e['code'] === 'string' && serverCodes.includes(e['code']) ? (e['code'] as ErrorCode) : codeForStatus(status);
    const message = typeof e['message'] === 'string' && e['message'] !== '' ? e['message'] : fallbackMessage(status, statusText);
    const fields: FieldError[] = [];
    if (Array.isArray(e['fields'])) {
      for (const f of e['fields']) {
        if (isObj(f) && typeof f['field'] === 'string' && typeof f['message'] === 'string') {
          fields.push({ field: f['field'], message: f['message'] });
        }
      }
    }
    return new ApiError(code, message, status, fields);
  }
  return new ApiError(codeForStatus(status), fallbackMessage(status, statusText), status);
}

function codeForStatus(status: number): ErrorCode {
  switch (status) {
    case 400:
    case 422:
      return 'invalid';
    case 401:
      return 'unauthorized';
    case 403:
      return 'forbidden';
    case 404:
      return 'not_found';
    case 409:
      return 'conflict';
    case 413:
      return 'too_large';
    case 429:
      return 'too_many';
    default:
      return 'internal';
  }
}

function fallbackMessage(status: number, statusText: string): string {
  return `the server answered ${status}${statusText ? ' ' + statusText : ''}`;
}

// ---- the client ----

export class Client {
  private readonly baseUrl: string;
  private readonly fetchFn: Fetch;
  private readonly onUnauthorized: ((err: ApiError) => void) | undefined;

  constructor(opts: ClientOptions = {}) {
    this.baseUrl = (opts.baseUrl ?? '').replace(/\/+$/, '');
    // Bind: calling window.fetch with another `this` throws.
    this.fetchFn = opts.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.onUnauthorized = opts.onUnauthorized;
  }

  /** URL of an API path, for EventSource and links. */
  url(path: string): string {
    return this.baseUrl + path;
  }

  /**
   * Sends one request and returns the parsed JSON body (undefined for 204).
   * Throws ApiError for any failure.
   */
  async request(method: string, path: string, body?: Body, opts: RequestOptions = {}): Promise<unknown> {
    const init: RequestInit = { method, headers: { Accept: 'application/json' }, credentials: 'same-origin' };
    if (opts.keepalive) init.keepalive = true;
    if (body !== undefined) {
      if (typeof Blob !== 'undefined' && (body as unknown) instanceof Blob) {
        throw new ApiError('invalid', 'a Blob cannot be sent as a request body here; send its bytes', 0);
      }
      if (typeof FormData !== 'undefined' && (body as unknown) instanceof FormData) {
        throw new ApiError('invalid', 'FormData cannot be sent as a request body here; send raw bytes', 0);
      }
      if (body instanceof ArrayBuffer || body instanceof Uint8Array) {
        init.body = body;
        init.headers = { ...init.headers, 'Content-Type': 'application/octet-stream' };
      } else {
        init.body = JSON.stringify(body);
        init.headers = { ...init.headers, 'Content-Type': 'application/json' };
      }
    }

    let res: Response;
    try {
      res = await this.fetchFn(this.url(path), init);
    } catch (e) {
      const why = e instanceof Error && e.message ? `: ${e.message}` : '';
      throw new ApiError('network', `cannot reach the Tessera server${why}`, 0);
    }

    if (!res.ok) {
      const text = await res.text().catch(() => '');
      const err = errorFromResponse(res.status, res.statusText, text);
      if (res.status === 401) this.onUnauthorized?.(err);
      throw err;
    }
    if (res.status === 204) return undefined;
    const text = await res.text();
    if (text === '') return undefined;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw bad(`${method} ${path} is not JSON`);
    }
  }

  async health(): Promise<Health> {
    return decodeHealth(await this.request('GET', '/api/health'));
  }

  /** The signed-in user; throws ApiError with code "unauthorized" when none. */
  async session(): Promise<Session> {
    return decodeSession(await this.request('GET', '/api/session'));
  }

  async login(name: string, password: string): Promise<Session> {
    return decodeSession(await this.request('POST', '/api/login', { name, password }));
  }

  async logout(): Promise<void> {
    await this.request('POST', '/api/logout');
  }

  async listProjects(): Promise<Project[]> {
    return decodeProjects(await this.request('GET', '/api/projects'));
  }

  async getProject(id: number): Promise<Project> {
    return decodeProject(await this.request('GET', `/api/projects/${encodeURIComponent(String(id))}`));
  }

  async createProject(input: ProjectInput): Promise<Project> {
    return decodeProject(await this.request('POST', '/api/projects', { name: input.name, description: input.description }));
  }

  async updateProject(id: number, upd: ProjectUpdate): Promise<Project> {
    const body: { [key: string]: Json } = {};
    if (upd.name !== undefined) body['name'] = upd.name;
    if (upd.description !== undefined) body['description'] = upd.description;
    return decodeProject(await this.request('PATCH', `/api/projects/${encodeURIComponent(String(id))}`, body));
  }

  async deleteProject(id: number): Promise<void> {
    await this.request('DELETE', `/api/projects/${encodeURIComponent(String(id))}`);
  }

  /**
   * Reads a file the API offers as a download (url: one this client made,
   * like a log's or a model's), for saving it from the page: the desktop
   * window may not follow a download link. fileName: the server's name for
   * it (Content-Disposition), or null.
   */
  async download(url: string): Promise<{ bytes: ArrayBuffer; type: string; fileName: string | null }> {
    let res: Response;
    try {
      res = await this.fetchFn(url, { method: 'GET', credentials: 'same-origin' });
    } catch (e) {
      const why = e instanceof Error && e.message ? `: ${e.message}` : '';
      throw new ApiError('network', `cannot reach the Tessera server${why}`, 0);
    }
    if (!res.ok) throw this.failure(res.status, res.statusText, await res.text().catch(() => ''));
    const disposition = /filename="([^"/\\]+)"/.exec(res.headers.get('Content-Disposition') ?? '');
    return {
      bytes: await res.arrayBuffer(),
      type: res.headers.get('Content-Type') ?? 'application/octet-stream',
      fileName: disposition?.[1] ?? null,
    };
  }

  /**
   * Builds the ApiError for a failed response that did not come through
   * request() (an upload made with XMLHttpRequest), telling onUnauthorized.
   */
  failure(status: number, statusText: string, text: string): ApiError {
    const err = errorFromResponse(status, statusText, text);
    if (status === 401) this.onUnauthorized?.(err);
    return err;
  }

  /** One page of a project's images, newest first. */
  async listImages(projectId: number, offset = 0, limit = 100): Promise<ImagePage> {
    const q = `offset=${offset}&limit=${limit}`;
    return decodeImagePage(await this.request('GET', `/api/projects/${seg(projectId)}/images?${q}`));
  }

  async getImage(imageId: number): Promise<Image> {
    return decodeImage(await this.request('GET', `/api/images/${seg(imageId)}`));
  }

  /**
   * Deletes an image with its tiles (admins and professors). Its labels are
   * moved aside (annotations/.deleted/ of the project), not read again.
   */
  async deleteImage(imageId: number): Promise<void> {
    await this.request('DELETE', `/api/images/${seg(imageId)}`);
  }

  /** Queues a failed image for tiling again. */
  async retryImage(imageId: number): Promise<Image> {
    return decodeImage(await this.request('POST', `/api/images/${seg(imageId)}/retry`));
  }

  /** One page of an image's tiles, in row-major order. */
  async listTiles(imageId: number, offset = 0, limit = 1000): Promise<TilePage> {
    const q = `offset=${offset}&limit=${limit}`;
    return decodeTilePage(await this.request('GET', `/api/images/${seg(imageId)}/tiles?${q}`));
  }

  /** Every tile of an image, reading page after page. */
  async allTiles(imageId: number, pageSize = 1000): Promise<Tile[]> {
    const out: Tile[] = [];
    for (;;) {
      const page = await this.listTiles(imageId, out.length, pageSize);
      out.push(...page.tiles);
      if (page.tiles.length === 0 || out.length >= page.total) return out;
    }
  }

  async getTile(tileId: number): Promise<Tile> {
    return decodeTile(await this.request('GET', `/api/tiles/${seg(tileId)}`));
  }

  /** Desktop only: the backend reads these files itself (403 in server mode). */
  async importPaths(projectId: number, paths: string[]): Promise<ImportResult> {
    return decodeImportResult(await this.request('POST', `/api/projects/${seg(projectId)}/images/import-paths`, { paths }));
  }

  /** Where a file's bytes are POSTed as a raw body (server mode). */
  uploadUrl(projectId: number, fileName: string): string {
    return this.url(`/api/projects/${seg(projectId)}/images?name=${encodeURIComponent(fileName)}`);
  }

  thumbnailUrl(imageId: number): string {
    return this.url(`/api/images/${seg(imageId)}/thumbnail`);
  }

  pyramidTileUrl(imageId: number, level: number, col: number, row: number): string {
    return this.url(`/api/images/${seg(imageId)}/pyramid/${level}/${col}_${row}.jpg`);
  }

  /** The project's label classes (an empty schema until some are added). */
  async getSchema(projectId: number): Promise<Schema> {
    return decodeSchema(await this.request('GET', `/api/projects/${seg(projectId)}/schema`));
  }

  /**
   * Replaces the project's label classes. schema may be any JSON a
   * django-labeller schema.json holds (an imported file is sent as read);
   * the server validates it (400 "invalid" with the reason).
   */
  async putSchema(projectId: number, schema: Schema | Json): Promise<Schema> {
    return decodeSchema(await this.request('PUT', `/api/projects/${seg(projectId)}/schema`, schema as Json));
  }

  async getTileLabels(tileId: number): Promise<TileLabels> {
    return decodeTileLabels(await this.request('GET', `/api/tiles/${seg(tileId)}/labels`));
  }

  /** Saves a tile's label file; 409 "conflict" when base_revision is not the latest. */
  async putTileLabels(tileId: number, save: LabelsSave, opts: RequestOptions = {}): Promise<LabelsSaved> {
    const body: Json = { labels: save.labels, base_revision: save.base_revision, edit_seconds: save.edit_seconds };
    return decodeLabelsSaved(await this.request('PUT', `/api/tiles/${seg(tileId)}/labels`, body, opts));
  }

  async getProgress(projectId: number): Promise<Progress> {
    return decodeProgress(await this.request('GET', `/api/projects/${seg(projectId)}/progress`));
  }

  /** Where the zip of an export is downloaded from. */
  exportUrl(projectId: number, format: ExportFormat, per: ExportPer): string {
    return this.url(`/api/projects/${seg(projectId)}/export?format=${encodeURIComponent(format)}&per=${encodeURIComponent(per)}`);
  }

  tileImageUrl(tileId: number): string {
    return this.url(`/api/tiles/${seg(tileId)}/image`);
  }

  /** A tile's labels, with the other people who have it open now (the editor's read). */
  async getOpenTileLabels(tileId: number): Promise<OpenTileLabels> {
    const v = await this.request('GET', `/api/tiles/${seg(tileId)}/labels`);
    return { ...decodeTileLabels(v), open_by: decodeOpenBy(v) };
  }

  /** The editor still has the tile open (a heartbeat); answers who else has. */
  async keepTileOpen(tileId: number): Promise<string[]> {
    return decodeOpenBy(await this.request('POST', `/api/tiles/${seg(tileId)}/open`));
  }

  /**
   * The tile "Continue annotating" opens: the image's first incomplete tile
   * nobody else has open (else its first incomplete one, else its first).
   * null when the image has no tiles.
   */
  async nextTile(projectId: number, imageId: number): Promise<Tile | null> {
    const v = await this.request('GET', `/api/projects/${seg(projectId)}/next-tile?image=${seg(imageId)}`);
    return isObj(v) && v['tile'] ? decodeTile(v['tile']) : null;
  }

  /** Where an export's zip is downloaded from; completeOnly leaves out tiles not marked complete. */
  exportUrlOf(projectId: number, format: ExportFormat, per: ExportPer, completeOnly: boolean): string {
    return this.exportUrl(projectId, format, per) + (completeOnly ? '&complete=1' : '');
  }
}

/** GET /api/tiles/{id}/labels as the editor reads it. */
export interface OpenTileLabels extends TileLabels {
  /** The other people who have the tile open now. */
  open_by: string[];
}

function decodeOpenBy(v: unknown): string[] {
  if (!isObj(v) || !Array.isArray(v['open_by'])) return [];
  return v['open_by'].filter((x): x is string => typeof x === 'string');
}

/** A number as one URL path segment. */
function seg(n: number): string {
  return encodeURIComponent(String(n));
}

/** The text to show a person for any error thrown by a call. */
export function errorMessage(e: unknown): string {
  if (e instanceof ApiError) return e.message;
  if (e instanceof Error && e.message) return e.message;
  return 'something went wrong';
}

// ---- user accounts (server mode): /api/users, /api/session/password ----

/** The accounts, and the roles of those the caller may add, reset and delete. */
export interface ManagedUsers {
  users: User[];
  roles: Role[];
}

/** An account made or reset; password is the generated one ('' when it was given). */
export interface CreatedUser {
  user: User;
  password: string;
}

/** One account to add; an empty or missing password is generated. */
export interface NewUser {
  name: string;
  role: Role;
  password?: string;
}

export function decodeManagedUsers(v: unknown): ManagedUsers {
  if (!isObj(v)) throw bad('users');
  return {
    users: list(v, 'users', 'users').map(decodeUser),
    roles: list(v, 'roles', 'users').map((r) => {
      const hit = roles.find((x) => x === r);
      if (hit === undefined) throw bad('users.roles');
      return hit;
    }),
  };
}

export function decodeCreatedUser(v: unknown): CreatedUser {
  if (!isObj(v)) throw bad('created user');
  return { user: decodeUser(v['user']), password: typeof v['password'] === 'string' ? v['password'] : '' };
}

function userBody(u: NewUser): { [key: string]: Json } {
  const b: { [key: string]: Json } = { name: u.name, role: u.role };
  if (u.password) b['password'] = u.password;
  return b;
}

/** Account management through the one Client; pages use UsersClient like TrainingClient. */
export class UsersClient {
  constructor(private readonly api: Client) {}

  async list(): Promise<ManagedUsers> {
    return decodeManagedUsers(await this.api.request('GET', '/api/users'));
  }

  async add(u: NewUser): Promise<CreatedUser> {
    return decodeCreatedUser(await this.api.request('POST', '/api/users', userBody(u)));
  }

  /** Adds a class: all or (an ApiError naming each refused entry "users[i]" in fields) none. */
  async addMany(us: NewUser[]): Promise<CreatedUser[]> {
    const v = await this.api.request('POST', '/api/users', { users: us.map(userBody) });
    if (!isObj(v)) throw bad('created users');
    return list(v, 'users', 'created users').map(decodeCreatedUser);
  }

  /** Sets a user's password, generated (and in the answer) when none is given; their sessions end. */
  async resetPassword(name: string, password?: string): Promise<CreatedUser> {
    const body: { [key: string]: Json } = password ? { password } : {};
    return decodeCreatedUser(await this.api.request('PUT', `/api/users/${encodeURIComponent(name)}/password`, body));
  }

  async remove(name: string): Promise<void> {
    await this.api.request('DELETE', `/api/users/${encodeURIComponent(name)}`);
  }

  /** The signed-in user's own change; a wrong current password is 400 "invalid" on the field "current". */
  async changeOwnPassword(current: string, next: string): Promise<Session> {
    return decodeSession(await this.api.request('PUT', '/api/session/password', { current, new: next }));
  }
}
