import { describe, expect, it } from 'vitest';
import { metricFixture } from './fixtures';
import { summary } from './metrics';

describe('summary', () => {
  it('takes the best of the values, the first of a tie', () => {
    const ms = [0.5, 0.7, 0.6, 0.7].map((v, i) => metricFixture(i + 1, { val_iou: v }));
    expect(summary(ms, 'val_iou')).toEqual({ last: 0.7, best: 0.7, bestEpoch: 2 });
    expect(summary(ms, 'val_loss').bestEpoch).toBe(4);
  });

  it("agrees with the epoch the trainer kept: a tie in rounded values may not be one in the trainer's", () => {
    const ms = [0.5, 0.7, 0.6, 0.7].map((v, i) => metricFixture(i + 1, { val_iou: v }));
    expect(summary(ms, 'val_iou', 4)).toEqual({ last: 0.7, best: 0.7, bestEpoch: 4 });
    // An epoch it does not have: its own best.
    expect(summary(ms, 'val_iou', 9).bestEpoch).toBe(2);
    expect(summary(ms, 'val_iou', null).bestEpoch).toBe(2);
  });
});
