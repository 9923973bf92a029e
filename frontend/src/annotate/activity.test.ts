import { describe, expect, it } from 'vitest';
import { ActiveTime } from './activity';

describe('ActiveTime', () => {
  it('counts up to 30 s after each activity while visible', () => {
    const t = new ActiveTime(0);
    expect(t.take(10_000)).toBe(0); // no activity yet
    t.activity(10_000);
    t.activity(20_000);
    expect(t.take(25_000)).toBe(15);
    // Idle for long: only 30 s after the last activity count.
    expect(t.take(120_000)).toBe(25);
    expect(t.take(200_000)).toBe(0);
  });

  it('stops counting while hidden and keeps fractions and given-back seconds', () => {
    const t = new ActiveTime(0);
    t.activity(0);
    t.setVisible(false, 5_500);
    t.activity(6_000); // events while hidden do not count
    expect(t.take(20_000)).toBe(5);
    t.setVisible(true, 20_000);
    t.activity(20_000);
    expect(t.take(20_600)).toBe(1); // 0.5 left over + 0.6
    t.giveBack(7);
    expect(t.take(20_600)).toBe(7);
  });
});
