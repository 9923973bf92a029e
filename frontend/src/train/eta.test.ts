import { describe, expect, it } from 'vitest';
import type { JobTransition } from '../lib/api.training';
import { duration, epochText, formatSeconds, timing } from './eta';
import { jobFixture, metricFixture } from './fixtures';

const t0 = Date.parse('2026-11-27T10:00:00Z');
const at = (s: number) => new Date(t0 + s * 1000).toISOString();
const started: JobTransition[] = [
  { status: 'PENDING', reason: '', attempt: 0, worker: '', time: at(-5) },
  { status: 'STARTED', reason: '', attempt: 1, worker: 'local', time: at(0) },
];

describe('time left', () => {
  it('is the time per epoch times the epochs left', () => {
    // Setup took 20 s, then an epoch every 10 s: epochs 1..3 at 30, 40, 50 s.
    const ms = [1, 2, 3].map((e) => metricFixture(e, { time: at(20 + e * 10) }));
    const job = jobFixture({ started_at: at(0), epoch: 3, epochs: 5 });
    const t = timing(job, started, ms, t0 + 50_000);
    expect(t.perEpoch).toBe(10);
    expect(t.remaining).toBe(20);
    expect(t.elapsed).toBe(50);
    expect(t.fraction).toBeCloseTo(0.6);
    // 5 s later, 5 s less.
    expect(timing(job, started, ms, t0 + 55_000).remaining).toBe(15);
    // Late: the epoch under way is slow, the one after it still to go, at the new average.
    expect(timing(job, started, ms, t0 + 70_000).remaining).toBeCloseTo((20 + 20) / 3);
    // The last epoch late: never below 0.
    const last = [...ms, metricFixture(4, { time: at(60) })];
    expect(timing({ ...job, epoch: 4 }, started, last, t0 + 500_000).remaining).toBe(0);
  });

  it('uses the time from the start when one epoch is done', () => {
    const ms = [metricFixture(1, { time: at(12), total: 4 })];
    const t = timing(jobFixture({ started_at: at(0), epoch: 1, epochs: 4 }), started, ms, t0 + 12_000);
    expect(t.perEpoch).toBe(12);
    expect(t.remaining).toBe(36);
  });

  it('is unknown before the first epoch and after the end', () => {
    expect(timing(jobFixture({ started_at: at(0) }), started, [], t0 + 3000)).toMatchObject({ perEpoch: null, remaining: null, elapsed: 3 });
    const done = jobFixture({ status: 'COMPLETED', started_at: at(0), finished_at: at(80), epoch: 5, epochs: 5, progress: 1 });
    const ms = [1, 2, 3, 4, 5].map((e) => metricFixture(e, { time: at(e * 15) }));
    expect(timing(done, started, ms, t0 + 999_000)).toMatchObject({ remaining: null, elapsed: 80, fraction: 1 });
    expect(timing(jobFixture({ status: 'PENDING', started_at: null, worker: '' }), [], [], t0)).toMatchObject({ elapsed: null, fraction: 0 });
  });

  it('counts from the start of the current attempt', () => {
    const tr: JobTransition[] = [...started, { status: 'STARTED', reason: '', attempt: 2, worker: 'b', time: at(100) }];
    const t = timing(jobFixture({ attempt: 2, started_at: at(0) }), tr, [], t0 + 130_000);
    expect(t.elapsed).toBe(30);
  });

  it('does not measure the epochs a resumed attempt replays at once', () => {
    // Attempt 2 starts at 100 s and resumes at epoch 3: epochs 1..3 come again within
    // a moment at 130 s, then it trains an epoch every 10 s.
    const tr: JobTransition[] = [...started, { status: 'STARTED', reason: '', attempt: 2, worker: 'b', time: at(100) }];
    const job = jobFixture({ attempt: 2, started_at: at(0), epoch: 5, epochs: 10 });
    const replay = [1, 2, 3].map((e) => metricFixture(e, { attempt: 2, total: 10, time: at(130 + e * 0.05) }));
    const ms = [...replay, metricFixture(4, { attempt: 2, total: 10, time: at(140.15) }), metricFixture(5, { attempt: 2, total: 10, time: at(150.15) })];
    const t = timing(job, tr, ms, t0 + 150_150);
    expect(t.perEpoch).toBeCloseTo(10);
    expect(t.remaining).toBeCloseTo(50);
    // Only the replay so far: unknown, not "about 0 s".
    const waiting = timing(jobFixture({ attempt: 2, started_at: at(0), epoch: 3, epochs: 10 }), tr, replay, t0 + 131_000);
    expect(waiting).toMatchObject({ perEpoch: null, remaining: null });
    // Resumed from epoch 1's checkpoint: its one replayed epoch is no measure either.
    const one = timing(jobFixture({ attempt: 2, started_at: at(0), epoch: 1, epochs: 10 }), tr, replay.slice(0, 1), t0 + 131_000);
    expect(one).toMatchObject({ perEpoch: null, remaining: null });
  });

  it('measures a first attempt whose epochs are all quick', () => {
    const ms = [1, 2, 3].map((e) => metricFixture(e, { time: at(2 + e * 0.2) }));
    const t = timing(jobFixture({ started_at: at(0), epoch: 3, epochs: 5 }), started, ms, t0 + 2600);
    expect(t.perEpoch).toBeCloseTo(0.2);
    expect(t.remaining).toBeCloseTo(0.4);
  });

  it('does not jump up when an epoch is slower than the average', () => {
    // An epoch every 10 s (1..3 at 30, 40, 50 s) of 12; the 4th takes 16 s.
    const ms = [1, 2, 3].map((e) => metricFixture(e, { time: at(20 + e * 10), total: 12 }));
    const job = jobFixture({ started_at: at(0), epoch: 3, epochs: 12 });
    const shown = [50, 55, 60, 63, 66].map((s) => timing(job, started, ms, t0 + s * 1000).remaining!);
    const after = timing({ ...job, epoch: 4 }, started, [...ms, metricFixture(4, { time: at(66), total: 12 })], t0 + 66_000).remaining!;
    // Counts down, then grows a little at a time while the epoch runs late.
    expect(shown.slice(0, 3)).toEqual([90, 85, 80]);
    expect(shown[3]).toBeCloseTo((33 / 3) * 8);
    // When the epoch ends: 8 epochs of (66 - 30) / 3 s, what was shown a moment before.
    expect(after).toBeCloseTo(96);
    expect(after).toBeCloseTo(shown[4]!);
  });

  it('names the epoch under way while it runs', () => {
    expect(epochText('PROCESSING', { epoch: 0, epochs: 12 })).toBe('1 of 12 running');
    expect(epochText('PROCESSING', { epoch: 11, epochs: 12 })).toBe('12 of 12 running');
    expect(epochText('COMPLETED', { epoch: 12, epochs: 12 })).toBe('12 of 12 done');
    expect(epochText('CANCELLED', { epoch: 3, epochs: 40 })).toBe('3 of 40 done');
    expect(epochText('PENDING', { epoch: 0, epochs: 0 })).toBe('–');
  });

  it('formats durations', () => {
    expect(formatSeconds(null)).toBe('–');
    expect(formatSeconds(4.4)).toBe('4 s');
    expect(formatSeconds(185)).toBe('3 min 05 s');
    expect(formatSeconds(3840)).toBe('1 h 04 min');
    expect(duration(jobFixture({ status: 'COMPLETED', started_at: at(0), finished_at: at(42) }), t0)).toBe(42);
    expect(duration(jobFixture({ started_at: null }), t0)).toBeNull();
  });
});
