// A job's metrics per epoch: upserted as they come (the same epoch may come
// again with more values), and the series the charts draw.
import type { JobMetric } from '../lib/api.training';

/** Puts a metric in its place, (attempt, epoch) order; one of the same attempt and epoch is replaced. */
export function upsertMetric(list: readonly JobMetric[], m: JobMetric): JobMetric[] {
  const out = list.filter((x) => !(x.attempt === m.attempt && x.epoch === m.epoch));
  out.push(m);
  out.sort((a, b) => a.attempt - b.attempt || a.epoch - b.epoch);
  return out;
}

/** The metrics of the latest attempt: a job started again counts its epochs anew. */
export function currentAttempt(list: readonly JobMetric[]): JobMetric[] {
  const a = Math.max(0, ...list.map((m) => m.attempt));
  return list.filter((m) => m.attempt === a);
}

export type MetricKey = 'train_loss' | 'val_loss' | 'train_iou' | 'val_iou';

/** uPlot's aligned data: epochs, then one array per key (null where missing). */
export function seriesOf(metrics: readonly JobMetric[], keys: readonly MetricKey[]): [number[], ...(number | null)[][]] {
  const xs = metrics.map((m) => m.epoch);
  return [xs, ...keys.map((k) => metrics.map((m) => m[k]))];
}

/**
 * The last non-null value of a key, and the best (max for IoU, min for loss).
 * keptEpoch is the epoch the trainer kept as its best (metrics.json
 * best_epoch): when given and that epoch has a value, it is the best. The
 * trainer compares the exact values; the metrics here are rounded (to 4
 * decimals in the log), so a tie here may not be one there.
 */
export function summary(
  metrics: readonly JobMetric[],
  key: MetricKey,
  keptEpoch: number | null = null,
): { last: number | null; best: number | null; bestEpoch: number | null } {
  let last: number | null = null;
  let best: number | null = null;
  let bestEpoch: number | null = null;
  const higher = key.endsWith('iou');
  for (const m of metrics) {
    const v = m[key];
    if (v === null) continue;
    last = v;
    if (best === null || (higher ? v > best : v < best)) {
      best = v;
      bestEpoch = m.epoch;
    }
  }
  const kept = keptEpoch === null ? undefined : metrics.find((m) => m.epoch === keptEpoch && m[key] !== null);
  if (kept) {
    best = kept[key];
    bestEpoch = kept.epoch;
  }
  return { last, best, bestEpoch };
}

/**
 * Whether the curves show overfitting: over the last epochs the train loss
 * kept falling while the val loss rose (by a margin). A hint, not a verdict.
 */
export function overfitting(metrics: readonly JobMetric[], window = 3): boolean {
  const pts = metrics.filter((m) => m.train_loss !== null && m.val_loss !== null);
  if (pts.length < window + 1) return false;
  const a = pts[pts.length - 1 - window]!;
  const b = pts[pts.length - 1]!;
  const trainDrop = a.train_loss! - b.train_loss!;
  const valRise = b.val_loss! - a.val_loss!;
  return trainDrop > 0 && valRise > 0.02 * Math.max(1e-9, Math.abs(a.val_loss!));
}
