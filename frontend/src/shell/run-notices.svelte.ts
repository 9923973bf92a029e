// Which training runs to tell the user about, wherever they are in the app:
// those seen live going from running (or waiting) to an end. A run first
// seen already ended (the stream's first news of it, or the event a
// completed run sends again once its files are fetched) is not news.
import type { LiveEvent } from '../lib/api';
import { deletedJobFromEvent, jobFromEvent, type Job, type JobStatus } from '../lib/api.training';
import { isEnded } from '../train/status';

export type EndStatus = Extract<JobStatus, 'COMPLETED' | 'FAILED' | 'CANCELLED'>;

export interface RunNotice {
  /** Unique per notice (a run retried can end twice). */
  key: number;
  job: Job;
  status: EndStatus;
}

export class RunNotices {
  notices = $state.raw<RunNotice[]>([]);
  /** The last status seen of each run, from live events only. */
  private readonly seen = new Map<string, JobStatus>();
  private nextKey = 1;

  /** At most this many notices stay; the oldest go first. */
  constructor(private readonly max = 4) {}

  /** Applies a live event; returns the notice it made, if any. */
  handle(ev: LiveEvent): RunNotice | null {
    const gone = deletedJobFromEvent(ev);
    if (gone !== null) {
      this.seen.delete(gone);
      if (this.notices.some((n) => n.job.id === gone)) this.notices = this.notices.filter((n) => n.job.id !== gone);
      return null;
    }
    const j = jobFromEvent(ev);
    if (!j) return null;
    const before = this.seen.get(j.id);
    this.seen.set(j.id, j.status);
    if (before === undefined || isEnded(before) || !isEnded(j.status)) return null;
    const n: RunNotice = { key: this.nextKey++, job: j, status: j.status as EndStatus };
    this.notices = [...this.notices.filter((x) => x.job.id !== j.id), n].slice(-this.max);
    return n;
  }

  dismiss(key: number): void {
    this.notices = this.notices.filter((n) => n.key !== key);
  }
}

/** How a notice ends its sentence: "completed", "failed", "cancelled". */
export function endVerb(s: EndStatus): string {
  return s.toLowerCase();
}
