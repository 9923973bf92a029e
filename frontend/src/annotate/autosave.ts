// Autosave of one tile's label file: every edit is sent after a short pause
// (debounce); one save at a time, and edits made while one is in flight are
// sent by one more save right after it. A 409 means someone else saved a
// newer revision: saving stops until the page reloads theirs (or keeps ours
// on purpose: overwrite).
import { ApiError, errorMessage, type LabelFile, type LabelsSaved } from '../lib/api';

export type SaveState =
  | { kind: 'saved' }
  | { kind: 'pending' }
  | { kind: 'saving' }
  | { kind: 'error'; message: string }
  | { kind: 'conflict'; message: string };

export interface SaveRequest {
  file: LabelFile;
  baseRevision: number;
  editSeconds: number;
  /** The page is going away: the request must outlive it. */
  keepalive: boolean;
}

/** The most edit_seconds the server takes with one save (backend annotate/tile.go). */
export const maxEditSeconds = 3600;

export interface Timers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

const realTimers: Timers = {
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export interface SaverOptions {
  revision: number;
  save(req: SaveRequest): Promise<LabelsSaved>;
  /** Active seconds to send with the next save (taken away from the count). */
  takeSeconds(): number;
  /** Seconds a failed save did not deliver. */
  giveBackSeconds(s: number): void;
  onState(s: SaveState): void;
  onSaved?(res: LabelsSaved, file: LabelFile): void;
  onConflict?(err: ApiError): void;
  /**
   * The newest edit not known to be saved and the revision it goes on, or
   * null once everything is saved: for a copy that outlives the page.
   */
  onUnsaved?(file: LabelFile | null, baseRevision: number): void;
  /** Debounce after an edit, ms. */
  delay?: number;
  /** First retry after a network or server failure, ms (doubling up to 30 s). */
  retryDelay?: number;
  timers?: Timers;
}

export class Saver {
  revision: number;
  private readonly opts: SaverOptions;
  private readonly timers: Timers;
  private readonly delay: number;
  /** The newest edit not yet sent. */
  private pending: LabelFile | null = null;
  /** The newest edit, until a save of it lands. */
  private latest: LabelFile | null = null;
  private timer: unknown = null;
  /** Saves sent and not yet answered. */
  private sending = 0;
  private stopped = false;
  private failed = false;
  /** The page is gone: what was sent lands, nothing is sent again. */
  private disposed = false;
  private retryIn: number;
  private idleWaiters: (() => void)[] = [];
  state: SaveState = { kind: 'saved' };

  constructor(opts: SaverOptions) {
    this.opts = opts;
    this.revision = opts.revision;
    this.timers = opts.timers ?? realTimers;
    this.delay = opts.delay ?? 400;
    this.retryIn = opts.retryDelay ?? 2000;
  }

  /** Edits not yet saved (waiting, or being sent). */
  get dirty(): boolean {
    return this.pending !== null || this.sending > 0;
  }

  get conflicted(): boolean {
    return this.stopped;
  }

  private set(s: SaveState): void {
    this.state = s;
    this.opts.onState(s);
  }

  /** An edit: the file as it now is. */
  edit(file: LabelFile): void {
    if (this.stopped || this.disposed) return;
    this.pending = file;
    this.latest = file;
    this.opts.onUnsaved?.(file, this.revision);
    if (this.sending === 0) this.set({ kind: 'pending' });
    this.schedule(this.delay);
  }

  private schedule(ms: number): void {
    if (this.timer !== null) this.timers.clear(this.timer);
    this.timer = this.timers.set(() => {
      this.timer = null;
      this.flush();
    }, ms);
  }

  /**
   * Sends the newest edit now. With keepalive the request outlives the page;
   * with force (pagehide) it goes even while another save is in flight,
   * based on the revision that save should give.
   */
  flush(opts: { keepalive?: boolean; force?: boolean } = {}): void {
    if (this.timer !== null) {
      this.timers.clear(this.timer);
      this.timer = null;
    }
    if (this.stopped || this.disposed || this.pending === null) return;
    if (this.sending > 0) {
      if (opts.force) void this.send(true, this.revision + 1);
      // Otherwise it goes when the one in flight lands.
      return;
    }
    void this.send(opts.keepalive ?? false, this.revision);
  }

  private async send(keepalive: boolean, base: number): Promise<void> {
    const file = this.pending;
    if (file === null) return;
    this.pending = null;
    this.sending++;
    // Long offline editing piles up more than one save may carry: the rest
    // goes with the next one.
    const taken = this.opts.takeSeconds();
    const secs = Math.min(taken, maxEditSeconds);
    if (taken > secs) this.opts.giveBackSeconds(taken - secs);
    this.set({ kind: 'saving' });
    try {
      const res = await this.opts.save({ file, baseRevision: base, editSeconds: secs, keepalive });
      this.revision = Math.max(this.revision, res.revision);
      this.failed = false;
      this.retryIn = this.opts.retryDelay ?? 2000;
      if (this.latest === file) this.latest = null;
      this.opts.onUnsaved?.(this.latest, this.revision);
      this.opts.onSaved?.(res, file);
    } catch (e) {
      this.opts.giveBackSeconds(secs);
      if (e instanceof ApiError && e.code === 'conflict') {
        this.stopped = true;
        this.pending = null;
        this.set({ kind: 'conflict', message: e.message });
        // A closed page reloads nothing; its copy (onUnsaved) stays.
        if (!this.disposed) this.opts.onConflict?.(e);
        return;
      }
      // Keep the unsaved edit unless a newer one came meanwhile.
      if (this.pending === null) this.pending = file;
      this.failed = true;
      this.set({ kind: 'error', message: errorMessage(e) });
      if (!this.disposed && e instanceof ApiError && (e.code === 'network' || e.code === 'internal')) {
        this.schedule(this.retryIn);
        this.retryIn = Math.min(this.retryIn * 2, 30_000);
      }
    } finally {
      this.sending--;
      if (this.sending === 0) this.afterSend();
    }
  }

  private afterSend(): void {
    if (this.stopped || this.disposed) {
      this.wakeIdle();
      return;
    }
    if (this.pending !== null) {
      if (this.failed) return; // a retry is scheduled, or the next edit tries again
      if (this.timer === null) {
        void this.send(false, this.revision);
      } else {
        this.set({ kind: 'pending' });
      }
      return;
    }
    this.set({ kind: 'saved' });
    this.wakeIdle();
  }

  /** Resolves once nothing is waiting or in flight (or saving failed). */
  idle(): Promise<void> {
    if (!this.dirty || this.stopped || this.failed || (this.disposed && this.sending === 0)) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  private wakeIdle(): void {
    const w = this.idleWaiters;
    this.idleWaiters = [];
    for (const r of w) r();
  }

  /** Starts over from a freshly loaded revision (after a conflict or a reload). */
  reset(revision: number): void {
    if (this.timer !== null) this.timers.clear(this.timer);
    this.timer = null;
    this.pending = null;
    this.stopped = false;
    this.failed = false;
    this.revision = revision;
    this.latest = null;
    this.opts.onUnsaved?.(null, revision);
    this.set({ kind: 'saved' });
  }

  /**
   * Keeps our file over a newer revision someone else saved: it is sent at
   * once, based on theirs, so the next save does not meet a conflict.
   */
  overwrite(revision: number, file: LabelFile): void {
    if (this.disposed) return;
    this.stopped = false;
    this.failed = false;
    this.revision = Math.max(this.revision, revision);
    this.edit(file);
    this.flush();
  }

  /**
   * The page closes: what is waiting is sent at once, and nothing after
   * that: no retry, no next save. A save that fails leaves its edit with
   * onUnsaved's copy, so a reopened page restores it instead of racing a
   * late retry from this one.
   */
  dispose(): void {
    this.flush({ force: true });
    this.disposed = true;
    if (this.timer !== null) this.timers.clear(this.timer);
    this.timer = null;
  }
}
