// uPlot, set up for per-epoch curves: loaded on demand (its own chunk),
// epochs on x, one line per series with its points, and the same options
// for the live charts and the report's PNGs.
import type uPlot from 'uplot';

export type UPlot = uPlot;
export type AlignedData = [number[], ...(number | null)[][]];

export interface LineSpec {
  label: string;
  colour: string;
  dashed?: boolean;
}

export interface ChartSpec {
  lines: LineSpec[];
  /** 'unit': a 0..1 scale (IoU); 'zero': from 0 to the data's top (loss). */
  y: 'unit' | 'zero';
  /** The planned number of epochs: x runs from 1 to it while points come in. */
  epochs?: number;
  yLabel: string;
  /**
   * For a 'zero' scale: whether to cut the top off at robustTop (asked at
   * each redraw), so a few huge early values do not flatten the rest.
   */
  clip?: () => boolean;
}

/**
 * Where to cut a 'zero' chart's top so that a few outliers (early
 * validation losses of 40–54 next to losses under 1) do not flatten every
 * other point. Values over 3 × the 80th percentile are outliers (a steep
 * but ordinary first epoch stays under that); the top is then a little over
 * the highest other value. null when there is no outlier, or too few
 * points to tell.
 */
export function robustTop(series: readonly ArrayLike<number | null | undefined>[]): number | null {
  const vals = series
    .flatMap((s) => Array.from(s))
    .filter((v): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0)
    .sort((a, b) => a - b);
  if (vals.length < 4) return null;
  const limit = 3 * vals[Math.ceil(0.8 * vals.length) - 1]!;
  const kept = vals.filter((v) => v <= limit);
  const highest = kept[kept.length - 1] ?? 0;
  return limit > 0 && highest > 0 && vals[vals.length - 1]! > limit ? highest * 1.1 : null;
}

let lib: typeof uPlot | null = null;

export async function loadUPlot(): Promise<typeof uPlot> {
  lib ??= (await import('uplot')).default;
  return lib;
}

/** The last value of a series (what the legend shows while the pointer is off the chart). */
function lastOf(u: uPlot, sidx: number): number | null {
  const d = u.data[sidx] ?? [];
  for (let i = d.length - 1; i >= 0; i--) {
    const v = d[i];
    if (v !== null && v !== undefined) return v;
  }
  return null;
}

function fmt(v: number): string {
  return Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(3).replace(/\.?0+$/, '') || '0';
}

export function chartOptions(spec: ChartSpec, width: number, height: number, opts: { legend?: boolean; white?: boolean } = {}): uPlot.Options {
  const axis: uPlot.Axis = {
    stroke: '#1a1f29',
    grid: { stroke: '#e3e8f0', width: 1 },
    ticks: { stroke: '#c4cbd6', width: 1 },
    font: '14px system-ui, sans-serif',
    labelFont: 'bold 14px system-ui, sans-serif',
  };
  return {
    width,
    height,
    legend: { show: opts.legend ?? true, live: true },
    cursor: { drag: { x: false, y: false }, points: { size: 9 } },
    scales: {
      x: {
        time: false,
        range: (_u, min, max) => {
          const hi = Math.max(max ?? 1, spec.epochs ?? 0, 1);
          const lo = Math.min(min ?? 1, 1);
          return hi <= lo ? [lo - 0.5, hi + 0.5] : [lo, hi];
        },
      },
      y: {
        range: (_u, _min, max) => {
          if (spec.y === 'unit') return [0, 1];
          const cut = spec.clip?.() ? robustTop(_u.data.slice(1)) : null;
          if (cut !== null) return [0, cut];
          const top = max !== null && Number.isFinite(max) && max > 0 ? max * 1.1 : 1;
          return [0, top];
        },
      },
    },
    axes: [
      {
        ...axis,
        label: 'Epoch',
        // Whole epochs only.
        incrs: [1, 2, 5, 10, 20, 25, 50, 100, 200, 500, 1000],
        values: (_u, splits) => splits.map((v) => (Number.isInteger(v) ? String(v) : '')),
      },
      { ...axis, label: spec.yLabel, size: 60, values: (_u, splits) => splits.map(fmt) },
    ],
    series: [
      {
        label: 'Epoch',
        value: (u, v, sidx, idx) => {
          const x = idx === null ? lastOf(u, sidx) : v;
          return x === null || x === undefined ? '–' : String(x);
        },
      },
      ...spec.lines.map(
        (l): uPlot.Series => ({
          label: l.label,
          stroke: l.colour,
          width: 3,
          dash: l.dashed ? [10, 6] : undefined,
          spanGaps: true,
          points: { show: true, size: 8, fill: l.colour, stroke: l.colour },
          value: (u, v, sidx, idx) => {
            const x = idx === null ? lastOf(u, sidx) : v;
            return x === null || x === undefined ? '–' : x.toFixed(4);
          },
        }),
      ),
    ],
    hooks: opts.white
      ? {
          drawClear: [
            (u) => {
              u.ctx.save();
              u.ctx.fillStyle = '#ffffff';
              u.ctx.fillRect(0, 0, u.ctx.canvas.width, u.ctx.canvas.height);
              u.ctx.restore();
            },
          ],
        }
      : {},
  };
}

/** Draws a chart off screen and returns it as a PNG data: URL (for the report). */
export async function chartPng(spec: ChartSpec, data: AlignedData, width = 760, height = 380): Promise<string> {
  const U = await loadUPlot();
  const host = document.createElement('div');
  host.style.cssText = `position:fixed;left:-10000px;top:0;width:${width}px;`;
  document.body.appendChild(host);
  try {
    const u = new U(chartOptions(spec, width, height, { legend: false, white: true }), data, host);
    // uPlot commits its drawing in a microtask.
    await new Promise((r) => setTimeout(r, 0));
    u.redraw(true, true);
    const url = u.ctx.canvas.toDataURL('image/png');
    u.destroy();
    return url;
  } finally {
    host.remove();
  }
}

export const trainColour = '#1d4ed8';
export const valColour = '#c2410c';

export const lossSpec = (epochs?: number): ChartSpec => ({
  lines: [
    { label: 'Train loss', colour: trainColour },
    { label: 'Val loss', colour: valColour, dashed: true },
  ],
  y: 'zero',
  yLabel: 'Loss',
  epochs,
});

export const iouSpec = (epochs?: number): ChartSpec => ({
  lines: [
    { label: 'Train IoU', colour: trainColour },
    { label: 'Val IoU', colour: valColour, dashed: true },
  ],
  y: 'unit',
  yLabel: 'IoU',
  epochs,
});
