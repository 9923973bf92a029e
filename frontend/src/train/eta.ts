// How long a run has taken and how long it still needs, from its epochs:
// the time per epoch so far times the epochs left.
import type { Job, JobMetric, JobTransition } from '../lib/api.training';
import { isEnded } from './status';

export interface Timing {
  /** Seconds since the current attempt started (to its end, once ended); null before it starts. */
  elapsed: number | null;
  /** Seconds one epoch takes, null until one is done. */
  perEpoch: number | null;
  /** Seconds still to go; null when unknown or ended. */
  remaining: number | null;
  /** 0..1 */
  fraction: number;
  epoch: number;
  epochs: number;
}

function ms(iso: string | null | undefined): number | null {
  if (!iso) return null;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? null : t;
}

/** When the job's current attempt started: its last STARTED transition, else started_at. */
export function attemptStart(job: Pick<Job, 'attempt' | 'started_at'>, transitions: readonly JobTransition[]): number | null {
  for (let i = transitions.length - 1; i >= 0; i--) {
    const t = transitions[i]!;
    if (t.status === 'STARTED' && (job.attempt === 0 || t.attempt === job.attempt)) return ms(t.time);
  }
  return ms(job.started_at);
}

/**
 * Epochs of an attempt closer together than this came in one burst: an
 * attempt that resumes from a checkpoint first replays the epochs it had
 * done, all within a moment.
 */
const burstGap = 0.5;

/**
 * Where the epochs this attempt trained begin: past a leading burst of
 * replayed epochs (the last of the burst is when the new training began).
 * A run whose every epoch came within the gap is a fast one on its first
 * attempt, and a replay still waiting for its first new epoch on a later one
 * (-1: nothing to measure yet).
 */
function measuredFrom(metrics: readonly JobMetric[], attempt: number): number {
  // One epoch on a later attempt may be the replay of a checkpoint of
  // epoch 1: not measured until a second comes.
  if (attempt > 1 && metrics.length === 1) return -1;
  let i = 0;
  for (; i + 1 < metrics.length; i++) {
    const a = ms(metrics[i]!.time);
    const b = ms(metrics[i + 1]!.time);
    if (a === null || b === null || b - a >= burstGap * 1000) break;
  }
  if (i > 0 && i === metrics.length - 1) return attempt > 1 ? -1 : 0;
  return i;
}

/**
 * metrics are the current attempt's, in epoch order. The time per epoch is
 * measured between the first and the last epoch seen (so the setup before
 * the first epoch does not count), or from the start when only one is. The
 * epochs a resumed attempt replays at once are not measured (measuredFrom).
 */
export function timing(
  job: Pick<Job, 'status' | 'attempt' | 'started_at' | 'finished_at' | 'progress' | 'epoch' | 'epochs'>,
  transitions: readonly JobTransition[],
  metrics: readonly JobMetric[],
  now: number,
): Timing {
  const start = attemptStart(job, transitions);
  const ended = isEnded(job.status);
  const end = ended ? (ms(job.finished_at) ?? now) : now;
  const elapsed = start === null ? null : Math.max(0, (end - start) / 1000);

  const last = metrics[metrics.length - 1];
  const from = measuredFrom(metrics, job.attempt);
  const first = from >= 0 ? metrics[from] : undefined;
  const epoch = Math.max(job.epoch, last?.epoch ?? 0);
  const epochs = Math.max(job.epochs, last?.total ?? 0);

  // perEpoch is `span` seconds over `count` epochs.
  let perEpoch: number | null = null;
  let span = 0;
  let count = 0;
  const tLast = ms(last?.time);
  const tFirst = ms(first?.time);
  if (last && first && tLast !== null && tFirst !== null && last.epoch > first.epoch) {
    span = (tLast - tFirst) / 1000;
    count = last.epoch - first.epoch;
    perEpoch = span / count;
  } else if (first && last && tLast !== null && start !== null && last.epoch > 0) {
    span = Math.max(0, (tLast - start) / 1000);
    count = last.epoch;
    perEpoch = span / count;
  }

  // The epochs left are counted from the last epoch measured (the one tLast
  // is the time of). The epoch under way counts down; once it has taken
  // longer than the average, it is known to be at least that slow: the
  // average is taken with it, and the estimate grows a little at a time
  // instead of running down to nothing and leaping back up when it ends.
  let remaining: number | null = null;
  if (!ended && perEpoch !== null && epochs > 0 && tLast !== null && last) {
    const left = Math.max(0, epochs - last.epoch);
    const since = Math.max(0, (now - tLast) / 1000);
    if (left === 0) remaining = 0;
    else if (since <= perEpoch) remaining = perEpoch * left - since;
    else remaining = ((span + since) / (count + 1)) * (left - 1);
  }

  let fraction: number;
  if (job.status === 'COMPLETED') fraction = 1;
  else if (epochs > 0) fraction = Math.max(job.progress, epoch / epochs);
  else fraction = job.progress;
  return { elapsed, perEpoch, remaining, fraction: Math.min(1, Math.max(0, fraction)), epoch, epochs };
}

/**
 * The epoch line of a run: "1 of 12 running" while the first epoch trains
 * (the epoch under way, not the ones done), "12 of 12 done" after.
 */
export function epochText(status: Job['status'], t: Pick<Timing, 'epoch' | 'epochs'>): string {
  if (t.epochs <= 0) return '–';
  if (status === 'PROCESSING' && t.epoch < t.epochs) return `${t.epoch + 1} of ${t.epochs} running`;
  return `${t.epoch} of ${t.epochs} done`;
}

/** "45 s", "3 min 05 s", "1 h 04 min". */
export function formatSeconds(s: number | null): string {
  if (s === null || !Number.isFinite(s)) return '–';
  const t = Math.max(0, Math.round(s));
  if (t < 60) return `${t} s`;
  const m = Math.floor(t / 60);
  if (m < 60) return `${m} min ${String(t % 60).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

/** A job's run time: start to end (or to now while it runs), null before it starts. */
export function duration(job: Pick<Job, 'started_at' | 'finished_at' | 'status'>, now: number): number | null {
  const s = ms(job.started_at);
  if (s === null) return null;
  const e = isEnded(job.status) ? (ms(job.finished_at) ?? s) : now;
  return Math.max(0, (e - s) / 1000);
}
