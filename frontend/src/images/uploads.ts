// The browser's upload queue: files go up a few at a time, each with its own
// progress and outcome; one that fails never stops the others. The transport
// (XMLHttpRequest in the page, a fake in tests) is injected.
import { errorMessage, type ImportResult } from '../lib/api';

export interface UploadFile {
  name: string;
  size: number;
}

/** Sends one file; calls onProgress with the bytes sent so far. */
export type Transport<F extends UploadFile> = (file: F, onProgress: (loaded: number) => void) => Promise<ImportResult>;

export type UploadState = 'waiting' | 'uploading' | 'done' | 'failed';

export interface Upload {
  key: number;
  name: string;
  size: number;
  loaded: number;
  state: UploadState;
  /** For "done": "imported" or "duplicate". */
  outcome: 'imported' | 'duplicate' | null;
  error: string | null;
  result: ImportResult | null;
}

export interface QueueOptions {
  /** Uploads at once (default 2). */
  concurrency?: number;
  /** Called with a fresh copy of the list after every change. */
  onChange?: (items: Upload[]) => void;
  /** Called with each server answer (to show the new images at once). */
  onResult?: (result: ImportResult) => void;
}

export class UploadQueue<F extends UploadFile> {
  private readonly transport: Transport<F>;
  private readonly concurrency: number;
  private readonly onChange: (items: Upload[]) => void;
  private readonly onResult: (result: ImportResult) => void;
  private list: Upload[] = [];
  private readonly files = new Map<number, F>();
  private running = 0;
  private nextKey = 1;
  private waiters: (() => void)[] = [];

  constructor(transport: Transport<F>, opts: QueueOptions = {}) {
    this.transport = transport;
    this.concurrency = Math.max(1, opts.concurrency ?? 2);
    this.onChange = opts.onChange ?? (() => {});
    this.onResult = opts.onResult ?? (() => {});
  }

  get items(): Upload[] {
    return this.list.map((u) => ({ ...u }));
  }

  /**
   * Queues files; they start as soon as a slot is free. Files added while
   * nothing is uploading start a new batch: the finished uploads of the
   * one before (already summed up) are forgotten, so each batch's summary
   * is its own. Files added while a batch is going join it.
   */
  add(files: readonly F[]): void {
    if (files.length > 0 && !this.busy()) this.list = this.list.filter((u) => u.state === 'waiting' || u.state === 'uploading');
    for (const f of files) {
      const key = this.nextKey++;
      this.files.set(key, f);
      this.list.push({
        key,
        name: f.name,
        size: f.size,
        loaded: 0,
        state: 'waiting',
        outcome: null,
        error: null,
        result: null,
      });
    }
    this.changed();
    this.pump();
  }

  /** Forgets finished uploads (done or failed); those still going stay. */
  clearFinished(): void {
    this.list = this.list.filter((u) => u.state === 'waiting' || u.state === 'uploading');
    this.changed();
  }

  /** Resolves once nothing is waiting or uploading. */
  idle(): Promise<void> {
    if (this.busy()) return new Promise((resolve) => this.waiters.push(resolve));
    return Promise.resolve();
  }

  busy(): boolean {
    return this.list.some((u) => u.state === 'waiting' || u.state === 'uploading');
  }

  private pump(): void {
    while (this.running < this.concurrency) {
      const next = this.list.find((u) => u.state === 'waiting');
      if (!next) break;
      void this.run(next);
    }
    if (this.running === 0 && !this.busy()) {
      const w = this.waiters;
      this.waiters = [];
      for (const resolve of w) resolve();
    }
  }

  private async run(u: Upload): Promise<void> {
    const file = this.files.get(u.key);
    this.running++;
    this.update(u.key, { state: 'uploading' });
    try {
      if (!file) throw new Error('the file is gone');
      const result = await this.transport(file, (loaded) =>
        this.update(u.key, { loaded: Math.min(Math.max(0, loaded), u.size) }),
      );
      this.onResult(result);
      this.update(u.key, { loaded: u.size, result, ...outcomeOf(result) });
    } catch (e) {
      this.update(u.key, { state: 'failed', error: errorMessage(e) });
    } finally {
      this.files.delete(u.key);
      this.running--;
      this.pump();
    }
  }

  private update(key: number, patch: Partial<Upload>): void {
    const i = this.list.findIndex((u) => u.key === key);
    const cur = this.list[i];
    if (!cur) return;
    this.list[i] = { ...cur, ...patch };
    this.changed();
  }

  private changed(): void {
    this.onChange(this.items);
  }
}

/** What the server's answer for one file means for that file. */
function outcomeOf(r: ImportResult): Pick<Upload, 'state' | 'outcome' | 'error'> {
  if (r.imported.length > 0) return { state: 'done', outcome: 'imported', error: null };
  if (r.duplicates.length > 0) return { state: 'done', outcome: 'duplicate', error: null };
  const why = r.failed[0]?.error;
  if (why) return { state: 'failed', outcome: null, error: why };
  return { state: 'done', outcome: null, error: null };
}

export interface Overall {
  count: number;
  finished: number;
  failed: number;
  /** Bytes: finished files count in full. */
  loaded: number;
  total: number;
  /** 0–1; 1 when there is nothing to send. */
  fraction: number;
}

export function overall(items: readonly Upload[]): Overall {
  let loaded = 0;
  let total = 0;
  let finished = 0;
  let failed = 0;
  for (const u of items) {
    total += u.size;
    const over = u.state === 'done' || u.state === 'failed';
    if (over) finished++;
    if (u.state === 'failed') failed++;
    loaded += over ? u.size : u.loaded;
  }
  const fraction = total > 0 ? loaded / total : items.length > 0 ? finished / items.length : 1;
  return { count: items.length, finished, failed, loaded, total, fraction };
}

/** An import summary: what was added, skipped as already there, and refused. */
export interface ImportSummary {
  imported: number;
  duplicates: { path: string; image_id: number }[];
  failed: { path: string; error: string }[];
}

/** The summary of one import-paths answer. */
export function summarizeResult(r: ImportResult): ImportSummary {
  return { imported: r.imported.length, duplicates: [...r.duplicates], failed: [...r.failed] };
}

/** The summary of browser uploads: each file's answer, or its error. */
export function summarizeUploads(items: readonly Upload[]): ImportSummary {
  const s: ImportSummary = { imported: 0, duplicates: [], failed: [] };
  for (const u of items) {
    if (u.result) {
      s.imported += u.result.imported.length;
      s.duplicates.push(...u.result.duplicates.map((d) => ({ path: d.path || u.name, image_id: d.image_id })));
      s.failed.push(...u.result.failed.map((f) => ({ path: f.path || u.name, error: f.error })));
    } else if (u.state === 'failed') {
      s.failed.push({ path: u.name, error: u.error ?? 'upload failed' });
    }
  }
  return s;
}
