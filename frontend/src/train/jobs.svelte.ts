// The training jobs of a project, kept live from job.updated events.
import type { LiveEvent } from '../lib/api';
import { errorMessage } from '../lib/api';
import { deletedJobFromEvent, jobFromEvent, type Job, type JobStatus, type TrainingClient } from '../lib/api.training';
import { byValIoU } from './compare';
import { isActive } from './status';

export type StatusFilter = 'all' | 'active' | JobStatus;
export type JobSort = 'newest' | 'oldest' | 'val_iou';

/** Newest first. */
export function byNewest(a: Job, b: Job): number {
  return b.created_at.localeCompare(a.created_at) || b.id.localeCompare(a.id);
}

export function filterJobs(jobs: readonly Job[], status: StatusFilter, sort: JobSort): Job[] {
  const out = jobs.filter((j) => status === 'all' || (status === 'active' ? isActive(j.status) : j.status === status));
  if (sort === 'val_iou') out.sort(byValIoU);
  else if (sort === 'oldest') out.sort((a, b) => -byNewest(a, b));
  else out.sort(byNewest);
  return out;
}

/** Whether a is an older copy of b (the same job): it must not replace b. */
function olderThan(a: Job, b: Job): boolean {
  const ta = Date.parse(a.updated_at);
  const tb = Date.parse(b.updated_at);
  return !Number.isNaN(ta) && !Number.isNaN(tb) && ta < tb;
}

/** What live events changed while a list was being read. */
interface Reading {
  came: Set<string>;
  went: Set<string>;
}

export class ProjectJobs {
  jobs = $state.raw<Job[]>([]);
  loaded = $state(false);
  error = $state<string | null>(null);
  private readonly reading = new Set<Reading>();

  constructor(
    private readonly train: TrainingClient,
    readonly projectId: number,
  ) {}

  /**
   * (Re-)reads the list. It merges with what live events brought meanwhile:
   * a newer copy of a job stays (the rule of upsert), a job that came or was
   * deleted while the list was on its way stays or stays gone.
   */
  async load(): Promise<void> {
    const r: Reading = { came: new Set(), went: new Set() };
    this.reading.add(r);
    try {
      const read = await this.train.jobs(this.projectId);
      const cur = new Map(this.jobs.map((j) => [j.id, j]));
      const next = read.filter((j) => !r.went.has(j.id)).map((j) => {
        const c = cur.get(j.id);
        return c && olderThan(j, c) ? c : j;
      });
      for (const id of r.came) {
        const c = cur.get(id);
        if (c && !next.some((j) => j.id === id)) next.push(c);
      }
      this.jobs = next.sort(byNewest);
      this.error = null;
    } catch (e) {
      this.error = errorMessage(e);
    } finally {
      this.reading.delete(r);
      this.loaded = true;
    }
  }

  byId(id: string): Job | undefined {
    return this.jobs.find((j) => j.id === id);
  }

  handle(ev: LiveEvent): void {
    const gone = deletedJobFromEvent(ev);
    if (gone !== null) {
      this.drop(gone);
      return;
    }
    const j = jobFromEvent(ev);
    if (j) this.upsert(j);
  }

  /** Adds or updates a job of this project (an older snapshot is ignored). */
  upsert(j: Job): void {
    if (j.project_id !== this.projectId) return;
    for (const r of this.reading) r.came.add(j.id);
    const i = this.jobs.findIndex((x) => x.id === j.id);
    if (i < 0) {
      this.jobs = [j, ...this.jobs].sort(byNewest);
      return;
    }
    if (olderThan(j, this.jobs[i]!)) return;
    const next = [...this.jobs];
    next[i] = j;
    this.jobs = next;
  }

  async remove(id: string): Promise<void> {
    await this.train.deleteJob(id);
    this.drop(id);
  }

  private drop(id: string): void {
    for (const r of this.reading) {
      r.went.add(id);
      r.came.delete(id);
    }
    if (this.jobs.some((j) => j.id === id)) this.jobs = this.jobs.filter((j) => j.id !== id);
  }
}
