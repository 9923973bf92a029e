// The one typed client of Tessera's HTTP JSON API. Every view talks to the
// backend through it; responses are checked against the contract before they
// are handed out, so nothing untyped crosses this boundary.

/** Error codes the server sends, plus "network" when it cannot be reached. */
export type ErrorCode =
  | 'invalid'
  | 'conflict'
  | 'not_found'
  | 'unauthorized'
  | 'forbidden'
  | 'too_large'
  | 'internal'
  | 'network';

const serverCodes: readonly string[] = [
  'invalid',
  'conflict',
  'not_found',
  'unauthorized',
  'forbidden',
  'too_large',
  'internal',
];

/** A failed API call: a code for programs, a message for people. */
export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly status: number;

  constructor(code: ErrorCode, message: string, status: number) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.status = status;
  }
}

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

/**
 * A request body: JSON, or raw bytes. Blob, File and FormData are left out on
 * purpose: as a fetch body they crash the desktop window (WebKitGTK).
 */
export type Body = Json | ArrayBuffer | Uint8Array<ArrayBuffer>;

export type Fetch = (input: string, init?: RequestInit) => Promise<Response>;

export interface ClientOptions {
  /** Prefix of every path, "" for the page's own origin. */
  baseUrl?: string;
  fetch?: Fetch;
  /** Called when any call answers 401, e.g. to show the sign-in form again. */
  onUnauthorized?: (err: ApiError) => void;
}

// ---- decoding: unknown JSON → contract types ----

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function bad(what: string): ApiError {
  return new ApiError('internal', `unexpected response from the server (${what})`, 0);
}

function str(o: Obj, key: string, what: string): string {
  const v = o[key];
  if (typeof v !== 'string') throw bad(`${what}.${key}`);
  return v;
}

function num(o: Obj, key: string, what: string): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw bad(`${what}.${key}`);
  return v;
}

function oneOf<T extends string>(o: Obj, key: string, allowed: readonly T[], what: string): T {
  const v = o[key];
  const hit = allowed.find((a) => a === v);
  if (hit === undefined) throw bad(`${what}.${key}`);
  return hit;
}

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
function list(o: Obj, key: string, what: string): unknown[] {
  const v = o[key];
  if (v === null || v === undefined) return [];
  if (!Array.isArray(v)) throw bad(`${what}.${key}`);
  return v;
}

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
    return new ApiError(code, message, status);
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
  async request(method: string, path: string, body?: Body): Promise<unknown> {
    const init: RequestInit = { method, headers: { Accept: 'application/json' }, credentials: 'same-origin' };
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

  tileImageUrl(tileId: number): string {
    return this.url(`/api/tiles/${seg(tileId)}/image`);
  }
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
