// Comparing runs: which settings differ, and the per-epoch curves of each
// run on one set of axes.
import type { Json, JsonObject } from '../lib/api';
import type { Job, JobMetric } from '../lib/api.training';
import type { MetricKey } from './metrics';

export interface DiffRow {
  key: string;
  /** One value per run; undefined where a run has no such setting. */
  values: (Json | undefined)[];
  differs: boolean;
}

/** A JSON value with sorted object keys, so equal values read equal. */
function canonical(v: Json | undefined): string {
  if (v === undefined) return 'undefined';
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  return `{${Object.keys(v)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`)
    .join(',')}}`;
}

/** The settings of several configs side by side, keys in first-seen order, differing ones marked. */
export function configDiff(configs: readonly JsonObject[]): DiffRow[] {
  const keys: string[] = [];
  const seen = new Set<string>();
  for (const c of configs) {
    for (const k of Object.keys(c)) {
      if (!seen.has(k)) {
        seen.add(k);
        keys.push(k);
      }
    }
  }
  return keys.map((key) => {
    const values = configs.map((c) => c[key]);
    const first = canonical(values[0]);
    return { key, values, differs: values.some((v) => canonical(v) !== first) };
  });
}

/** A setting's value for a table cell. */
export function showValue(v: Json | undefined): string {
  if (v === undefined) return '—';
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

/**
 * uPlot data for one metric of several runs: the union of their epochs on
 * x, one series per run, null where a run has no value at that epoch.
 */
export function overlay(runs: readonly (readonly JobMetric[])[], key: MetricKey): [number[], ...(number | null)[][]] {
  const epochs = [...new Set(runs.flatMap((r) => r.map((m) => m.epoch)))].sort((a, b) => a - b);
  const series = runs.map((r) => {
    const by = new Map(r.map((m) => [m.epoch, m[key]] as const));
    return epochs.map((e) => by.get(e) ?? null);
  });
  return [epochs, ...series];
}

/** Colours told apart by most people (Okabe–Ito), one per run. */
export const runColours = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#000000', '#F0E442'];

export function runColour(i: number): string {
  return runColours[i % runColours.length]!;
}

/**
 * Class names in the project's order (its schema's classes, given as
 * `order`); names the schema no longer has keep their order, after them.
 */
export function inClassOrder(names: readonly string[], order: readonly string[]): string[] {
  const rank = (n: string) => {
    const i = order.indexOf(n);
    return i < 0 ? order.length : i;
  };
  return names.map((n, i) => ({ n, i })).sort((a, b) => rank(a.n) - rank(b.n) || a.i - b.i).map((x) => x.n);
}

/**
 * Per-class IoU of several runs: every class any run has, one value per
 * run, in the project's class order (see inClassOrder).
 */
export function classTable(
  perRun: readonly { name: string; iou: number }[][],
  order: readonly string[] = [],
): { name: string; values: (number | null)[] }[] {
  const names: string[] = [];
  for (const r of perRun) for (const c of r) if (!names.includes(c.name)) names.push(c.name);
  return inClassOrder(names, order).map((name) => ({ name, values: perRun.map((r) => r.find((c) => c.name === name)?.iou ?? null) }));
}

/** The job ids of a compare route, from "a,b,c". */
export function parseIds(text: string): string[] {
  return [...new Set(text.split(',').map((s) => s.trim()).filter((s) => /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/.test(s)))];
}

/** Best first: the highest best val IoU, then the newest. */
export function byValIoU(a: Job, b: Job): number {
  return (b.best_val_iou ?? -1) - (a.best_val_iou ?? -1) || b.created_at.localeCompare(a.created_at);
}
