import { describe, expect, it } from 'vitest';
import type { LiveEvent } from '../lib/api';
import type { Job, TrainingClient } from '../lib/api.training';
import { jobFixture } from './fixtures';
import { ProjectJobs } from './jobs.svelte';

const time = '2026-11-27T05:30:00Z';
const updated = (j: Job): LiveEvent => ({ type: 'job.updated', project_id: j.project_id, data: j, time });
const deleted = (id: string): LiveEvent => ({ type: 'job.updated', project_id: 1, data: { id, deleted: true }, time });

const a = jobFixture({ id: 'aaaaaaaa-0000-4000-8000-000000000001', status: 'COMPLETED', created_at: '2026-11-27T05:00:00Z' });
const b = jobFixture({ id: 'bbbbbbbb-0000-4000-8000-000000000002', status: 'PROCESSING', created_at: '2026-11-27T05:10:00Z' });

/** A server whose list answers wait until released, as a slow one's do. */
function slowServer(list: Job[]) {
  let release: () => void = () => {};
  const train = {
    jobs: async () => {
      const snapshot = [...list];
      await new Promise<void>((r) => (release = r));
      return snapshot;
    },
  } as unknown as TrainingClient;
  return { train, release: () => release() };
}

async function loaded(store: ProjectJobs, srv: { release: () => void }, during: () => void = () => {}) {
  const loading = store.load();
  during();
  srv.release();
  await loading;
}

describe('the runs of a project', () => {
  it('drops a run another user deleted', async () => {
    const srv = slowServer([a, b]);
    const store = new ProjectJobs(srv.train, 1);
    await loaded(store, srv);
    store.handle(deleted(a.id));
    expect(store.jobs.map((j) => j.id)).toEqual([b.id]);
    // Unknown ids and malformed events change nothing.
    store.handle(deleted('cccccccc-0000-4000-8000-000000000003'));
    store.handle({ type: 'job.updated', project_id: 1, data: { id: b.id, deleted: 'yes' }, time });
    expect(store.jobs.map((j) => j.id)).toEqual([b.id]);
  });

  it('keeps live news that came while the list was re-read', async () => {
    const srv = slowServer([a, b]);
    const store = new ProjectJobs(srv.train, 1);
    await loaded(store, srv);
    // The stream broke and came back: the list is read again, and meanwhile
    // b completes, a is deleted and c starts.
    const c = jobFixture({ id: 'cccccccc-0000-4000-8000-000000000003', status: 'PENDING', created_at: '2026-11-27T05:20:00Z' });
    const bDone = { ...b, status: 'COMPLETED' as const, updated_at: '2026-11-27T05:29:00Z' };
    await loaded(store, srv, () => {
      store.handle(updated(bDone));
      store.handle(deleted(a.id));
      store.handle(updated(c));
    });
    expect(store.jobs.map((j) => [j.id, j.status])).toEqual([
      [c.id, 'PENDING'],
      [b.id, 'COMPLETED'],
    ]);
  });

  it('takes the list’s copy when it is the newer one, and forgets runs it no longer has', async () => {
    const bNewer = { ...b, status: 'FAILED' as const, updated_at: '2026-11-27T05:29:00Z' };
    const list = [a, b];
    const srv = slowServer(list);
    const store = new ProjectJobs(srv.train, 1);
    await loaded(store, srv);
    list.splice(0, 2, bNewer); // a was deleted while we were away
    await loaded(store, srv);
    expect(store.jobs.map((j) => [j.id, j.status])).toEqual([[b.id, 'FAILED']]);
  });
});
