// The training jobs of a project, kept live from job.updated events.
import type { LiveEvent } from '../lib/api';
import { errorMessage } from '../lib/api';
import { jobFromEvent, type Job, type JobStatus, type TrainingClient } from '../lib/api.training';
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

export class ProjectJobs {
  jobs = $state.raw<Job[]>([]);
  loaded = $state(false);
  error = $state<string | null>(null);

  constructor(
    private readonly train: TrainingClient,
    readonly projectId: number,
  ) {}

  async load(): Promise<void> {
    try {
      this.jobs = (await this.train.jobs(this.projectId)).sort(byNewest);
      this.error = null;
    } catch (e) {
      this.error = errorMessage(e);
    } finally {
      this.loaded = true;
    }
  }

  byId(id: string): Job | undefined {
    return this.jobs.find((j) => j.id === id);
  }

  handle(ev: LiveEvent): void {
    const j = jobFromEvent(ev);
    if (j) this.upsert(j);
  }

  /** Adds or updates a job of this project (an older snapshot is ignored). */
  upsert(j: Job): void {
    if (j.project_id !== this.projectId) return;
    const i = this.jobs.findIndex((x) => x.id === j.id);
    if (i < 0) {
      this.jobs = [j, ...this.jobs].sort(byNewest);
      return;
    }
    const cur = this.jobs[i]!;
    const tj = Date.parse(j.updated_at);
    const tc = Date.parse(cur.updated_at);
    if (!Number.isNaN(tj) && !Number.isNaN(tc) && tj < tc) return;
    const next = [...this.jobs];
    next[i] = j;
    this.jobs = next;
  }

  async remove(id: string): Promise<void> {
    await this.train.deleteJob(id);
    this.jobs = this.jobs.filter((j) => j.id !== id);
  }
}
