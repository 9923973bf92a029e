import { describe, expect, it } from 'vitest';
import type { LiveEvent } from '../lib/api';
import type { JobDetail, LogLine, TrainingClient } from '../lib/api.training';
import { jobFixture, lines, metricFixture } from './fixtures';
import { JobLive } from './job-live.svelte';

const time = '2026-11-27T05:28:17Z';

/** A server holding a job and its stored log; logs() can be held back. */
function fakeTrain(detail: JobDetail, stored: LogLine[]) {
  const pages: { after: [number, number] }[] = [];
  let gate: Promise<void> = Promise.resolve();
  let open: () => void = () => {};
  const train = {
    job: async () => detail,
    logs: async (_id: string, a: number, s: number, limit: number) => {
      pages.push({ after: [a, s] });
      await gate;
      return stored.filter((l) => l.attempt > a || (l.attempt === a && l.seq > s)).slice(0, limit);
    },
  } as unknown as TrainingClient;
  return {
    train,
    pages,
    hold() {
      gate = new Promise((r) => (open = r));
    },
    release() {
      open();
    },
  };
}

const logEvent = (ls: LogLine[], jobId = jobFixture().id): LiveEvent => ({ type: 'job.log', data: { job_id: jobId, lines: ls }, time });

describe('a live job', () => {
  it('merges the stored log with live lines without duplicates or gaps', async () => {
    const job = jobFixture();
    const stored = lines(1, 1, 120);
    const srv = fakeTrain({ job, transitions: [], metrics: [], log_lines: 120, evaluation: null, model: null }, stored);
    const live = new JobLive(srv.train, job.id, (fn) => fn(), 50);
    srv.hold();
    const loading = live.load();
    // Live lines come while the stored log is being read.
    live.handle(logEvent(lines(1, 115, 125)));
    live.handle(logEvent(lines(1, 126, 130)));
    live.handle(logEvent(lines(1, 1, 3), 'another-job'));
    srv.release();
    await loading;
    await new Promise((r) => setTimeout(r, 0));
    expect(live.logs.lines.map((l) => l.seq)).toEqual(Array.from({ length: 130 }, (_, i) => i + 1));
    expect(live.logs.hasGap()).toBe(false);
    expect(live.logVersion).toBeGreaterThan(0);
  });

  it('fills a gap in the live lines from the stored log', async () => {
    const job = jobFixture();
    const stored = lines(1, 1, 40);
    const srv = fakeTrain({ job, transitions: [], metrics: [], log_lines: 10, evaluation: null, model: null }, stored);
    const live = new JobLive(srv.train, job.id, (fn) => fn(), 1000);
    await live.load();
    expect(live.logs.length).toBe(40);
    // Lines 41..50 were missed (a broken stream); 51.. arrive.
    stored.push(...lines(1, 41, 60));
    live.handle(logEvent(lines(1, 51, 60)));
    await new Promise((r) => setTimeout(r, 0));
    expect(live.logs.lines.map((l) => l.seq)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    expect(srv.pages.at(-1)!.after).toEqual([1, 40]);
  });

  it('says the run is gone when another user deletes it', async () => {
    const job = jobFixture({ status: 'COMPLETED', updated_at: '2026-11-27T05:28:07Z' });
    const srv = fakeTrain({ job, transitions: [], metrics: [metricFixture(1)], log_lines: 0, evaluation: null, model: null }, []);
    const live = new JobLive(srv.train, job.id, (fn) => fn(), 5000, false);
    await live.load();
    live.handle({ type: 'job.updated', project_id: 1, data: { id: 'another-job', deleted: true }, time });
    expect(live.job?.id).toBe(job.id);
    live.handle({ type: 'job.updated', project_id: 1, data: { id: job.id, deleted: true }, time });
    expect(live.job).toBeNull();
    expect(live.notFound).toBe(true);
    expect(live.error).toBe('this run was deleted');
    // A detail read before the deletion, answered after it, does not bring it back.
    await live.refreshDetail();
    expect(live.job).toBeNull();
  });

  it('applies job and metric events of its own job only', async () => {
    const job = jobFixture({ status: 'PROCESSING', updated_at: '2026-11-27T05:28:07Z' });
    const srv = fakeTrain({ job, transitions: [], metrics: [metricFixture(1)], log_lines: 0, evaluation: null, model: null }, []);
    const live = new JobLive(srv.train, job.id, (fn) => fn());
    await live.load();
    live.handle({ type: 'job.metric', data: { job_id: job.id, metric: metricFixture(2) }, time });
    live.handle({ type: 'job.metric', data: { job_id: 'other', metric: metricFixture(3) }, time });
    live.handle({ type: 'job.metric', data: { job_id: job.id, metric: metricFixture(2, { class_iou: { cell: 0.2 } }) }, time });
    expect(live.metrics.map((m) => m.epoch)).toEqual([1, 2]);
    expect(live.metrics[1]!.class_iou).toEqual({ cell: 0.2 });
    expect(live.liveMetrics).toBe(3 - 1);
    // An older snapshot of the job does not win over a newer one.
    live.handle({ type: 'job.updated', data: { ...job, epoch: 2, updated_at: '2026-11-27T05:28:09Z' }, time });
    live.handle({ type: 'job.updated', data: { ...job, epoch: 1, updated_at: '2026-11-27T05:28:08Z' }, time });
    expect(live.job?.epoch).toBe(2);
    live.stop();
  });
});
