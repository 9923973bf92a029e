// Which training runs to tell the user about, wherever they are in the app:
// those seen live going from running (or waiting) to an end. A run first
// seen already ended (the stream's first news of it, or the event a
// completed run sends again once its files are fetched) is not news, nor is
// a run whose own page the person is looking at (they see it end there).
//
// Notices go by themselves after a while (ttlMs), but not while the person
// holds one (the pointer over it, or focus in it); at most `max` are shown.
import type { LiveEvent } from '../lib/api';
import { deletedJobFromEvent, jobFromEvent, type Job, type JobStatus } from '../lib/api.training';
import type { Route } from '../lib/router';
import { isEnded } from '../train/status';

export type EndStatus = Extract<JobStatus, 'COMPLETED' | 'FAILED' | 'CANCELLED'>;

export interface RunNotice {
  /** Unique per notice (a run retried can end twice). */
  key: number;
  job: Job;
  status: EndStatus;
}

/** Timers, replaceable in tests. */
export interface NoticeTimers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

const realTimers: NoticeTimers = {
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

/** Whether the route shows this run itself: its page, its results, or its project's Monitor. */
export function showsRun(route: Route | null, job: Pick<Job, 'id' | 'project_id'>): boolean {
  if (route === null) return false;
  switch (route.name) {
    case 'job':
    case 'result':
      return route.jobId === job.id;
    case 'compare':
      return route.jobIds.includes(job.id);
    case 'project':
      return route.id === job.project_id && route.step === 'monitor';
    default:
      return false;
  }
}

export interface RunNoticesOptions {
  /** At most this many notices stay; the oldest go first. */
  max?: number;
  /** A notice goes by itself this long after it came (0: never). */
  ttlMs?: number;
  timers?: NoticeTimers;
}

export class RunNotices {
  notices = $state.raw<RunNotice[]>([]);
  /** The page the person is on; runs it shows are not news. */
  route: Route | null = null;
  /** The last status seen of each run, from live events only. */
  private readonly seen = new Map<string, JobStatus>();
  private nextKey = 1;
  private readonly max: number;
  private readonly ttlMs: number;
  private readonly timers: NoticeTimers;
  /** Each shown notice's pending timeout; absent while held. */
  private readonly pending = new Map<number, unknown>();

  constructor(opts: RunNoticesOptions = {}) {
    this.max = opts.max ?? 3;
    this.ttlMs = opts.ttlMs ?? 10_000;
    this.timers = opts.timers ?? realTimers;
  }

  /** Applies a live event; returns the notice it made, if any. */
  handle(ev: LiveEvent): RunNotice | null {
    const gone = deletedJobFromEvent(ev);
    if (gone !== null) {
      this.seen.delete(gone);
      this.drop((n) => n.job.id === gone);
      return null;
    }
    const j = jobFromEvent(ev);
    if (!j) return null;
    const before = this.seen.get(j.id);
    this.seen.set(j.id, j.status);
    if (before === undefined || isEnded(before) || !isEnded(j.status)) return null;
    if (showsRun(this.route, j)) return null;
    const n: RunNotice = { key: this.nextKey++, job: j, status: j.status as EndStatus };
    const kept = [...this.notices.filter((x) => x.job.id !== j.id), n];
    this.setNotices(kept.slice(-this.max));
    this.arm(n.key);
    return n;
  }

  /** The person went to another page: notices about runs it shows go. */
  setRoute(route: Route | null): void {
    this.route = route;
    this.drop((n) => showsRun(route, n.job));
  }

  dismiss(key: number): void {
    this.drop((n) => n.key === key);
  }

  /** The pointer or focus is on the notice: it stays until released. */
  hold(key: number): void {
    const t = this.pending.get(key);
    if (t === undefined) return;
    this.timers.clear(t);
    this.pending.delete(key);
  }

  /** The pointer or focus left it: it goes after a full while again. */
  release(key: number): void {
    if (!this.notices.some((n) => n.key === key) || this.pending.has(key)) return;
    this.arm(key);
  }

  /** Stops every timer (the notifier is gone). */
  stop(): void {
    for (const t of this.pending.values()) this.timers.clear(t);
    this.pending.clear();
  }

  private arm(key: number): void {
    if (this.ttlMs <= 0) return;
    this.pending.set(
      key,
      this.timers.set(() => {
        this.pending.delete(key);
        this.dismiss(key);
      }, this.ttlMs),
    );
  }

  private drop(gone: (n: RunNotice) => boolean): void {
    if (this.notices.some(gone)) this.setNotices(this.notices.filter((n) => !gone(n)));
  }

  private setNotices(next: RunNotice[]): void {
    const keys = new Set(next.map((n) => n.key));
    for (const [key, t] of this.pending) {
      if (keys.has(key)) continue;
      this.timers.clear(t);
      this.pending.delete(key);
    }
    this.notices = next;
  }
}

/** How a notice ends its sentence: "completed", "failed", "cancelled". */
export function endVerb(s: EndStatus): string {
  return s.toLowerCase();
}
