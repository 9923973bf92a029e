// @vitest-environment happy-dom
// A run ending is told on any page: seen live going from running to an end,
// never for runs that had already ended.
import { flushSync } from 'svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Client, type LiveEvent } from '../lib/api';
import type { Job } from '../lib/api.training';
import { pageContext } from '../lib/context';
import { LiveHub } from '../lib/hub';
import { mountTarget, settle } from '../lib/test-dom';
import { jobFixture } from '../train/fixtures';
import { RunNotices } from './run-notices.svelte';
import RunNotifier from './RunNotifier.svelte';

const run = jobFixture({ id: '1a2b3c4d-0000-4000-8000-000000000001', project_id: 3, status: 'PROCESSING' });
const at = (j: Job, status: Job['status'], updated_at = '2026-11-27T06:00:00Z'): LiveEvent => ({
  type: 'job.updated',
  project_id: j.project_id,
  data: { ...j, status, updated_at },
  time: '',
});

describe('which runs are news', () => {
  it('tells of a run seen going from running to an end, once', () => {
    const runs = new RunNotices();
    expect(runs.handle(at(run, 'PROCESSING'))).toBeNull();
    expect(runs.handle(at(run, 'COMPLETED'))?.status).toBe('COMPLETED');
    // A completed run's event again (its files fetched): not news.
    expect(runs.handle(at(run, 'COMPLETED', '2026-11-27T06:01:00Z'))).toBeNull();
    expect(runs.notices).toHaveLength(1);
  });

  it('is silent about runs first seen ended, and other events', () => {
    const runs = new RunNotices();
    for (const s of ['COMPLETED', 'FAILED', 'CANCELLED'] as const) expect(runs.handle(at({ ...run, id: `${s}-run` }, s))).toBeNull();
    expect(runs.handle({ type: 'job.metric', data: { job_id: run.id, metric: {} }, time: '' })).toBeNull();
    expect(runs.notices).toEqual([]);
  });

  it('tells of failures and cancellations, keeps a few, and forgets deleted runs', () => {
    const runs = new RunNotices({ max: 2 });
    const ids = ['a', 'b', 'c'].map((x) => `${x}-run`);
    ids.forEach((id) => runs.handle(at({ ...run, id }, 'PENDING')));
    runs.handle(at({ ...run, id: ids[0]! }, 'FAILED'));
    runs.handle(at({ ...run, id: ids[1]! }, 'CANCELLED'));
    runs.handle(at({ ...run, id: ids[2]! }, 'COMPLETED'));
    expect(runs.notices.map((n) => [n.job.id, n.status])).toEqual([
      ['b-run', 'CANCELLED'],
      ['c-run', 'COMPLETED'],
    ]);
    runs.handle({ type: 'job.updated', project_id: 3, data: { id: 'c-run', deleted: true }, time: '' });
    expect(runs.notices.map((n) => n.job.id)).toEqual(['b-run']);
  });
});

describe('how long notices stay', () => {
  const end = (runs: RunNotices, id: string, status: Job['status'] = 'COMPLETED') => {
    runs.handle(at({ ...run, id }, 'PROCESSING'));
    return runs.handle(at({ ...run, id }, status));
  };
  afterEach(() => {
    vi.useRealTimers();
  });

  it('go by themselves after ten seconds, but not while held', () => {
    vi.useFakeTimers();
    const runs = new RunNotices();
    const a = end(runs, 'a-run')!;
    vi.advanceTimersByTime(5_000);
    const b = end(runs, 'b-run')!;
    runs.hold(b.key);
    vi.advanceTimersByTime(5_000);
    expect(runs.notices.map((n) => n.key)).toEqual([b.key]);
    expect(runs.notices.some((n) => n.key === a.key)).toBe(false);
    vi.advanceTimersByTime(60_000);
    expect(runs.notices.map((n) => n.key)).toEqual([b.key]);
    runs.release(b.key);
    vi.advanceTimersByTime(9_999);
    expect(runs.notices).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(runs.notices).toEqual([]);
  });

  it('shows at most three', () => {
    const runs = new RunNotices({ ttlMs: 0 });
    for (const id of ['a', 'b', 'c', 'd', 'e']) end(runs, id);
    expect(runs.notices.map((n) => n.job.id)).toEqual(['c', 'd', 'e']);
  });

  it('are not made for the run whose page is shown, and go when its page is opened', () => {
    const runs = new RunNotices({ ttlMs: 0 });
    runs.setRoute({ name: 'job', id: 3, jobId: 'a' });
    expect(end(runs, 'a')).toBeNull();
    runs.setRoute({ name: 'result', id: 3, jobId: 'b' });
    expect(end(runs, 'b')).toBeNull();
    runs.setRoute({ name: 'project', id: 3, step: 'monitor' });
    expect(end(runs, 'c')).toBeNull();
    runs.setRoute({ name: 'project', id: 3, step: 'images' });
    expect(end(runs, 'd')?.job.id).toBe('d');
    expect(end(runs, 'e')?.job.id).toBe('e');
    runs.setRoute({ name: 'job', id: 3, jobId: 'd' });
    expect(runs.notices.map((n) => n.job.id)).toEqual(['e']);
  });
});

const dom = mountTarget();

describe('the run notifier', () => {
  it('shows “Run … of <project> failed” with a link to the run, until dismissed', async () => {
    const api = new Client({
      fetch: async (url) =>
        url === '/api/projects/3'
          ? Response.json({ id: 3, name: 'Cells 101', description: '', created_at: run.created_at, updated_at: run.created_at })
          : Response.json({ error: { code: 'not_found', message: url } }, { status: 404 }),
    });
    const hub = new LiveHub();
    dom.mount(RunNotifier, { context: pageContext({ api, hub }) });
    hub.emit(at(run, 'COMPLETED')); // ended before we saw it running: not told
    flushSync();
    expect(dom.target.querySelector('.run-notice')).toBeNull();

    const other = { ...run, id: '5e6f7a8b-0000-4000-8000-000000000002' };
    hub.emit(at(other, 'PROCESSING'));
    hub.emit(at(other, 'FAILED'));
    await settle(() => expect(dom.target.querySelector('.run-notice')?.textContent).toContain('Run 5e6f7a8b of Cells 101 failed.'));
    const link = dom.target.querySelector<HTMLAnchorElement>('.run-notice a');
    expect(link?.getAttribute('href')).toBe(`#/projects/3/jobs/${other.id}`);
    dom.target.querySelector<HTMLButtonElement>('.run-notice button[aria-label=Dismiss]')!.click();
    flushSync();
    expect(dom.target.querySelector('.run-notice')).toBeNull();
  });
});

describe('the run notifier on the run’s own page', () => {
  afterEach(() => {
    window.location.hash = '';
  });

  it('stays silent', async () => {
    const api = new Client({ fetch: async () => Response.json({ error: { code: 'not_found', message: 'x' } }, { status: 404 }) });
    const hub = new LiveHub();
    window.location.hash = `#/projects/3/jobs/${run.id}`;
    dom.mount(RunNotifier, { context: pageContext({ api, hub }) });
    hub.emit(at(run, 'PROCESSING'));
    hub.emit(at(run, 'COMPLETED'));
    flushSync();
    expect(dom.target.querySelector('.run-notice')).toBeNull();
  });
});
