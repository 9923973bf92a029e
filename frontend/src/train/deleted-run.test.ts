// @vitest-environment happy-dom
// A run deleted by another user while its results, or the history it is
// ticked in, are open: the page stops showing and offering it.
import { describe, expect, it } from 'vitest';
import { Client, type LiveEvent } from '../lib/api';
import { pageContext } from '../lib/context';
import { LiveHub } from '../lib/hub';
import { mountTarget, settle } from '../lib/test-dom';
import { jobFixture } from './fixtures';
import MonitorPage from './MonitorPage.svelte';
import ResultsPage from './ResultsPage.svelte';

const a = jobFixture({ id: 'aaaaaaaa-0000-4000-8000-000000000001', status: 'COMPLETED', created_at: '2026-11-27T05:00:00Z' });
const b = jobFixture({ id: 'bbbbbbbb-0000-4000-8000-000000000002', status: 'COMPLETED', created_at: '2026-11-27T05:10:00Z' });
const c = jobFixture({ id: 'cccccccc-0000-4000-8000-000000000003', status: 'FAILED', created_at: '2026-11-27T05:20:00Z' });
const session = { user: { id: 1, name: 'ada', role: 'student' as const, created_at: a.created_at }, mode: 'server' as const };
const deleted = (id: string): LiveEvent => ({ type: 'job.updated', project_id: 1, data: { id, deleted: true }, time: '' });

function api() {
  return new Client({
    fetch: async (url) => {
      const path = url.split('?')[0];
      if (path === '/api/projects/1/jobs') return Response.json({ jobs: [a, b, c] });
      if (path === `/api/jobs/${a.id}`) return Response.json({ job: a, transitions: [], metrics: [], log_lines: 0, evaluation: null });
      if (path === `/api/jobs/${a.id}/validation`) return Response.json({ tiles: [] });
      if (path === '/api/projects/1/images') return Response.json({ images: [], total: 0 });
      return Response.json({ error: { code: 'not_found', message: path } }, { status: 404 });
    },
  });
}

const dom = mountTarget();

describe('a run deleted elsewhere', () => {
  it('leaves the results page and the models list', async () => {
    const hub = new LiveHub();
    dom.mount(ResultsPage, {
      props: { projectId: 1, projectName: 'Cells', jobId: a.id },
      context: pageContext({ api: api(), hub, session }),
    });
    await settle(() => expect(dom.target.querySelector(`.job-results[data-job="${a.id}"]`)).not.toBeNull());
    hub.emit(deleted(a.id));
    await settle(() => expect(dom.target.textContent).toContain('This run does not exist (any more).'));
    expect(dom.target.querySelector('.job-results')).toBeNull();
    expect([...dom.target.querySelectorAll('.model')].map((m) => m.getAttribute('data-job'))).toEqual([b.id]);
  });

  it('is no longer counted among the runs ticked for comparing', async () => {
    const hub = new LiveHub();
    dom.mount(MonitorPage, { props: { projectId: 1 }, context: pageContext({ api: api(), hub, session }) });
    await settle(() => expect(dom.target.querySelectorAll('.jobs-table tbody tr')).toHaveLength(3));
    for (const id of [a.id, b.id, c.id]) dom.target.querySelector<HTMLInputElement>(`tr[data-job="${id}"] input[type=checkbox]`)!.click();
    await settle(() => expect(dom.target.querySelector('.card-head a.button')?.textContent?.trim()).toBe('Compare selected (3)'));
    hub.emit(deleted(a.id));
    await settle(() => expect(dom.target.querySelector('.card-head a.button')?.textContent?.trim()).toBe('Compare selected (2)'));
    expect(dom.target.querySelector('.card-head a.button')?.getAttribute('href')).toBe(`#/projects/1/compare/${b.id},${c.id}`);
  });
});
