// The images of one project as the Images page shows them: read page by page
// (newest first), then kept current by live events (image.updated,
// image.progress, image.deleted) and by the results of our own imports.
import {
  decodeImage,
  decodeImageProgress,
  errorMessage,
  type Client,
  type Image,
  type ImageProgress,
  type ImportResult,
  type LiveEvent,
} from '../lib/api';

export const imagesPageSize = 100;

export class ImagesStore {
  images = $state<Image[]>([]);
  /** How many images the project has in all, loaded or not. */
  total = $state(0);
  /** Tiling progress by image id, while an image is tiling. */
  progress = $state<Record<number, ImageProgress>>({});
  loaded = $state(false);
  loading = $state(false);
  /** Why the last load failed, or null. */
  error = $state<string | null>(null);

  readonly projectId: number;
  private readonly api: Client;
  private readonly pageSize: number;
  /** Events that came while a load was in flight, applied once it lands. */
  private held: LiveEvent[] | null = null;
  /** A load was asked for while another read was in flight. */
  private reloadAfter = false;

  constructor(api: Client, projectId: number, pageSize = imagesPageSize) {
    this.api = api;
    this.projectId = projectId;
    this.pageSize = pageSize;
  }

  get hasMore(): boolean {
    return this.images.length < this.total;
  }

  byId(id: number): Image | undefined {
    return this.images.find((i) => i.id === id);
  }

  /**
   * (Re-)reads the list from the start, as many pages as were shown (at
   * least one). True when it succeeded.
   */
  async load(): Promise<boolean> {
    if (this.loading) {
      this.reloadAfter = true;
      return false;
    }
    const want = Math.max(this.pageSize, this.images.length);
    return this.fetch(async () => {
      const got: Image[] = [];
      let total = 0;
      for (;;) {
        const page = await this.api.listImages(this.projectId, got.length, this.pageSize);
        total = page.total;
        got.push(...page.images);
        if (page.images.length === 0 || got.length >= want || got.length >= total) break;
      }
      this.images = dedupe(got);
      this.total = total;
    });
  }

  /** Reads the next page after the images already shown. */
  async loadMore(): Promise<boolean> {
    if (this.loading || !this.hasMore) return false;
    return this.fetch(async () => {
      const page = await this.api.listImages(this.projectId, this.images.length, this.pageSize);
      this.images = dedupe([...this.images, ...page.images]);
      this.total = Math.max(page.total, this.images.length);
    });
  }

  private async fetch(run: () => Promise<void>): Promise<boolean> {
    this.loading = true;
    this.held = [];
    let ok = false;
    try {
      await run();
      this.loaded = true;
      this.error = null;
      ok = true;
    } catch (e) {
      this.error = errorMessage(e);
    } finally {
      this.loading = false;
      const held = this.held ?? [];
      this.held = null;
      for (const ev of held) this.handleEvent(ev);
    }
    if (this.reloadAfter) {
      this.reloadAfter = false;
      return this.load();
    }
    return ok;
  }

  /** Applies a live event; events of other projects and kinds are ignored. */
  handleEvent(ev: LiveEvent): void {
    if (!ev.type.startsWith('image.')) return;
    if (ev.project_id !== undefined && ev.project_id !== this.projectId) return;
    if (ev.type === 'image.progress') {
      const p = decodeImageProgress(ev.data);
      if (p) this.progress[p.image_id] = p;
      return;
    }
    if (this.held) {
      this.held.push(ev);
      return;
    }
    if (ev.type === 'image.updated') {
      let img: Image;
      try {
        img = decodeImage(ev.data);
      } catch {
        return;
      }
      if (img.project_id === this.projectId) this.upsert(img);
    } else if (ev.type === 'image.deleted') {
      const p = ev.data;
      if (typeof p === 'object' && p !== null && 'image_id' in p && typeof p.image_id === 'number') {
        this.drop(p.image_id);
      }
    }
  }

  /** Shows the images an import of ours added, without waiting for events. */
  applyImport(result: ImportResult): void {
    for (const img of result.imported) {
      if (img.project_id === this.projectId) this.upsert(img);
    }
  }

  private upsert(img: Image): void {
    const i = this.images.findIndex((x) => x.id === img.id);
    if (i >= 0) {
      const old = this.images[i];
      if (old && isStale(old, img)) return;
      this.images[i] = img;
    } else if (this.belongsToLoaded(img)) {
      // Every image up to the oldest one shown is loaded: one not among
      // them is new. Put it where the server's order has it.
      const at = this.images.findIndex((x) => newestFirst(img, x) < 0);
      this.images = at < 0 ? [...this.images, img] : [...this.images.slice(0, at), img, ...this.images.slice(at)];
      this.total += 1;
    } else {
      // An image on a page not read yet: it is counted in total already,
      // and loadMore brings it as it is then.
      return;
    }
    if (img.state !== 'tiling' && img.state !== 'queued') delete this.progress[img.id];
  }

  /** Whether img's place in the server's order is within the pages read. */
  private belongsToLoaded(img: Image): boolean {
    const oldest = this.images[this.images.length - 1];
    return !this.hasMore || (oldest !== undefined && newestFirst(img, oldest) < 0);
  }

  private drop(id: number): void {
    const before = this.images.length;
    this.images = this.images.filter((x) => x.id !== id);
    if (this.images.length < before) this.total = Math.max(0, this.total - 1);
    delete this.progress[id];
  }
}

/** The list's order (the API's): newest first, then the higher id first. */
export function newestFirst(a: Image, b: Image): number {
  const ta = timeKey(a.created_at) ?? 0;
  const tb = timeKey(b.created_at) ?? 0;
  return tb - ta || b.id - a.id;
}

function dedupe(list: Image[]): Image[] {
  const seen = new Set<number>();
  return list.filter((i) => (seen.has(i.id) ? false : (seen.add(i.id), true)));
}

const stateRank: Record<Image['state'], number> = { queued: 0, tiling: 1, ready: 2, failed: 2, missing: 2 };

/**
 * Whether next is an older copy of old: the answer to our import can arrive
 * after the events that followed it, and must not take the image back to
 * "queued".
 */
export function isStale(old: Image, next: Image): boolean {
  const a = timeKey(old.updated_at);
  const b = timeKey(next.updated_at);
  if (a !== null && b !== null && a !== b) return b < a;
  return stateRank[next.state] < stateRank[old.state];
}

/** An RFC 3339 time (any number of fraction digits) as ms; null if unreadable. */
export function timeKey(iso: string): number | null {
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(iso);
  if (!m) return null;
  const whole = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(whole)) return null;
  return whole + (m[2] ? Number(`0.${m[2]}`) * 1000 : 0);
}

/** The fraction (0–1) of an image's tiling done, or null when unknown. */
export function tilingFraction(img: Image, p: ImageProgress | undefined): number | null {
  if (img.state === 'ready') return 1;
  if (!p || p.total <= 0) return null;
  return Math.min(1, Math.max(0, p.done / p.total));
}
