// A few huge early losses do not flatten the loss chart.
import { describe, expect, it } from 'vitest';
import type uPlot from 'uplot';
import { chartOptions, lossSpec, robustTop } from './chart';

const train = [1.2, 0.9, 0.7, 0.6, 0.5, 0.45, 0.4, 0.38, 0.35, 0.33, 0.31, 0.3];
const val = [54, 40, 0.9, 0.8, 0.7, 0.65, 0.6, 0.58, 0.55, 0.54, 0.53, 0.52];

describe('robustTop', () => {
  it('cuts off early validation losses of 40–54 above the rest', () => {
    // The highest other value (the first train loss, 1.2) and a margin.
    expect(robustTop([train, val])).toBeCloseTo(1.32);
  });

  it('cuts nothing off an ordinary curve, or from a few points', () => {
    expect(robustTop([train, val.slice(2)])).toBeNull();
    expect(robustTop([[54, 1.2], [40]])).toBeNull();
  });

  it('sets the loss chart’s y range while clipping, the full range when not', () => {
    let clip = true;
    const opts = chartOptions({ ...lossSpec(12), clip: () => clip }, 600, 300);
    const range = opts.scales!['y']!.range as (u: uPlot, min: number, max: number) => [number, number];
    const u = { data: [train.map((_, i) => i + 1), train, val] } as unknown as uPlot;
    expect(range(u, 0.3, 54)[1]).toBeLessThan(2);
    clip = false;
    expect(range(u, 0.3, 54)[1]).toBeCloseTo(59.4);
  });
});
