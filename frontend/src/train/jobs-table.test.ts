// @vitest-environment happy-dom
// Deleting a run from the history: pressing Escape while the deletion runs
// neither hides its outcome nor leaves the deleted run ticked for Compare.
import { flushSync } from 'svelte';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../lib/api';
import type { Job, TrainingClient } from '../lib/api.training';
import { mountTarget, settle } from '../lib/test-dom';
import { jobFixture } from './fixtures';
import { ProjectJobs } from './jobs.svelte';
import JobsTable from './JobsTable.svelte';

const a = jobFixture({ id: 'aaaaaaaa-0000-4000-8000-000000000001', status: 'COMPLETED', created_at: '2026-11-27T05:00:00Z' });
const b = jobFixture({ id: 'bbbbbbbb-0000-4000-8000-000000000002', status: 'FAILED', created_at: '2026-11-27T05:10:00Z' });

/** Deletions wait until answered with answer(). */
function heldTrain(list: Job[]) {
  let answer: (err?: Error) => void = () => {};
  const train = {
    jobs: async () => list,
    deleteJob: () =>
      new Promise<void>((resolve, reject) => {
        answer = (err) => (err ? reject(err) : resolve());
      }),
  } as unknown as TrainingClient;
  return { train, answer: (err?: Error) => answer(err) };
}

const dom = mountTarget();

async function table(srv: { train: TrainingClient }) {
  const store = new ProjectJobs(srv.train, 1);
  await store.load();
  const state = { selected: [a.id, b.id] };
  dom.mount(JobsTable, {
    props: {
      store,
      projectId: 1,
      canDelete: true,
      now: Date.parse('2026-11-27T06:00:00Z'),
      get selected() {
        return state.selected;
      },
      set selected(v: string[]) {
        state.selected = v;
      },
    },
  });
  flushSync();
  return { store, state };
}

function deleteRun(id: string) {
  dom.target.querySelector<HTMLButtonElement>(`tr[data-job="${id}"] button.danger-outline`)!.click();
  flushSync();
  dom.target.querySelector<HTMLButtonElement>('dialog button.danger')!.click();
  flushSync();
  // Escape while the deletion is on its way.
  dom.target.querySelector('dialog')!.dispatchEvent(new Event('cancel', { cancelable: true }));
  flushSync();
}

describe('deleting a run from the history', () => {
  it('unticks the deleted run even when Escape was pressed meanwhile', async () => {
    const srv = heldTrain([a, b]);
    const { store, state } = await table(srv);
    deleteRun(a.id);
    expect(dom.target.querySelector('dialog')?.textContent).toContain('Delete this run?');
    srv.answer();
    await settle(() => expect(store.jobs.map((j) => j.id)).toEqual([b.id]));
    expect(state.selected).toEqual([b.id]);
  });

  it('keeps the dialog open with the error when the deletion fails', async () => {
    const srv = heldTrain([a, b]);
    const { store, state } = await table(srv);
    deleteRun(b.id);
    srv.answer(new ApiError('conflict', 'training job is RUNNING: cancel it first', 409));
    await settle(() => expect(dom.target.querySelector('dialog [role=alert]')?.textContent).toBe('training job is RUNNING: cancel it first'));
    expect(dom.target.querySelector('dialog')?.open).toBe(true);
    expect(store.jobs).toHaveLength(2);
    expect(state.selected).toEqual([a.id, b.id]);
  });
});
