// One training job kept live: its detail read once, then job.updated,
// job.metric and job.log events applied as they come; the stored log is
// paged in and merged with the live lines (no duplicates, gaps refilled).
import type { Json, LiveEvent } from '../lib/api';
import { errorMessage } from '../lib/api';
import {
  deletedJobFromEvent,
  jobFromEvent,
  logFromEvent,
  metricFromEvent,
  type Job,
  type JobMetric,
  type JobTransition,
  type TrainingClient,
} from '../lib/api.training';
import { LogStore, pageLog } from './log-store';
import { upsertMetric } from './metrics';
import { isEnded } from './status';

type Schedule = (fn: () => void) => void;

function laterThan(a: Job, b: Job): boolean {
  const ta = Date.parse(a.updated_at);
  const tb = Date.parse(b.updated_at);
  if (Number.isNaN(ta) || Number.isNaN(tb)) return true;
  return ta >= tb;
}

export class JobLive {
  job = $state.raw<Job | null>(null);
  transitions = $state.raw<JobTransition[]>([]);
  metrics = $state.raw<JobMetric[]>([]);
  evaluation = $state.raw<Json>(null);
  /** How many lines the server had at the last read of the detail. */
  storedLines = $state(0);
  error = $state<string | null>(null);
  notFound = $state(false);
  /** Bumped when log lines were added (at most once a frame). */
  logVersion = $state(0);
  /** Metric events received since the page opened. */
  liveMetrics = $state(0);
  logError = $state<string | null>(null);
  logsLoading = $state(false);
  readonly logs = new LogStore();

  private paging = false;
  private pageAgain = false;
  private bumpQueued = false;
  private detailTimer: ReturnType<typeof setTimeout> | null = null;
  private stopped = false;
  /** A job.updated event said the job was deleted: answers read before then are stale. */
  private deleted = false;

  constructor(
    private readonly train: TrainingClient,
    readonly jobId: string,
    private readonly schedule: Schedule = (fn) =>
      typeof requestAnimationFrame === 'function' ? void requestAnimationFrame(fn) : void setTimeout(fn, 16),
    private readonly pageSize = 5000,
    /** false: metrics and status only (the compare page), log events ignored. */
    private readonly withLogs = true,
  ) {}

  /** Reads the job and its log; call again after the live stream was broken. */
  async load(): Promise<void> {
    await this.refreshDetail();
    if (!this.notFound && this.withLogs) await this.syncLogs();
  }

  stop(): void {
    this.stopped = true;
    if (this.detailTimer !== null) clearTimeout(this.detailTimer);
  }

  async refreshDetail(): Promise<void> {
    try {
      const d = await this.train.job(this.jobId);
      if (this.stopped || this.deleted) return;
      if (!this.job || laterThan(d.job, this.job)) this.job = d.job;
      this.transitions = d.transitions;
      let ms = d.metrics;
      // Metrics that came live while the detail was on its way stay.
      for (const m of this.metrics) if (!ms.some((x) => x.attempt === m.attempt && x.epoch === m.epoch)) ms = upsertMetric(ms, m);
      this.metrics = ms;
      this.evaluation = d.evaluation;
      this.storedLines = d.log_lines;
      this.error = null;
    } catch (e) {
      if (this.stopped) return;
      this.error = errorMessage(e);
      this.notFound = (e as { code?: string }).code === 'not_found';
    }
  }

  /** Pages the stored log in from where the lines held stop being unbroken. */
  async syncLogs(): Promise<void> {
    if (this.paging) {
      this.pageAgain = true;
      return;
    }
    this.paging = true;
    this.logsLoading = true;
    try {
      do {
        this.pageAgain = false;
        const added = await pageLog(
          this.logs,
          (after, limit) => this.train.logs(this.jobId, after.attempt, after.seq, limit),
          this.pageSize,
          () => this.stopped,
        );
        if (added > 0) this.bump();
      } while (this.pageAgain && !this.stopped);
      this.logError = null;
    } catch (e) {
      this.logError = errorMessage(e);
    } finally {
      this.paging = false;
      this.logsLoading = false;
    }
  }

  /** Applies one live event; those of other jobs are ignored. */
  handle(ev: LiveEvent): void {
    if (this.stopped) return;
    if (deletedJobFromEvent(ev) === this.jobId) {
      // Deleted by someone: nothing of it is left to show or to read again.
      if (this.detailTimer !== null) clearTimeout(this.detailTimer);
      this.detailTimer = null;
      this.deleted = true;
      this.job = null;
      this.notFound = true;
      this.error = 'this run was deleted';
      return;
    }
    const j = jobFromEvent(ev);
    if (j) {
      if (j.id !== this.jobId || this.deleted) return;
      const prev = this.job;
      if (prev && !laterThan(j, prev)) return;
      this.job = j;
      if (!prev || prev.status !== j.status || prev.attempt !== j.attempt || isEnded(j.status)) {
        // The transitions (with their reasons) and, at the end, the
        // evaluation come with the detail.
        this.refreshSoon();
        if (isEnded(j.status) && this.withLogs) void this.syncLogs();
      }
      return;
    }
    const m = metricFromEvent(ev);
    if (m) {
      if (m.job_id !== this.jobId) return;
      this.metrics = upsertMetric(this.metrics, m.metric);
      this.liveMetrics++;
      return;
    }
    const l = this.withLogs ? logFromEvent(ev) : null;
    if (l) {
      if (l.job_id !== this.jobId) return;
      const r = this.logs.add(l.lines);
      if (r.added > 0) this.bump();
      if (r.gap) void this.syncLogs();
    }
  }

  private refreshSoon(): void {
    if (this.detailTimer !== null) clearTimeout(this.detailTimer);
    this.detailTimer = setTimeout(() => {
      this.detailTimer = null;
      void this.refreshDetail();
    }, 250);
  }

  private bump(): void {
    if (this.bumpQueued) return;
    this.bumpQueued = true;
    this.schedule(() => {
      this.bumpQueued = false;
      this.logVersion++;
    });
  }
}
