// @vitest-environment happy-dom
// Professors set a project's tile size and overlap in the UI.
import { afterEach, describe, expect, it } from 'vitest';
import { Client, type Fetch, type Session } from '../lib/api';
import { pageContext } from '../lib/context';
import { mountTarget, settle } from '../lib/test-dom';
import ProjectsPage from './ProjectsPage.svelte';
import { ProjectsStore } from './store.svelte';
import { checkTiling } from './tiling';

describe('checkTiling', () => {
  it('follows the server’s limits', () => {
    expect(checkTiling('512', '32')).toEqual({ ok: true, tiling: { size: 512, overlap: 32 } });
    expect(checkTiling(256, 0)).toEqual({ ok: true, tiling: { size: 256, overlap: 0 } });
    expect(checkTiling('63', '0').ok).toBe(false);
    expect(checkTiling('5000', '0').ok).toBe(false);
    expect(checkTiling('512', '256').ok).toBe(false);
    expect(checkTiling('512', null).ok).toBe(false);
    expect(checkTiling('51.2', '0').ok).toBe(false);
  });
});

const prof: Session = { user: { id: 1, name: 'prof', role: 'professor', created_at: '2026-11-27T04:00:00Z' }, mode: 'server' };
const dom = mountTarget();

afterEach(() => {
  window.location.hash = '';
});

describe('the project’s tile settings', () => {
  it('are shown in the edit form and saved with PATCH', async () => {
    const project = { id: 3, name: 'Cells 101', description: '', tile_size: 512, tile_overlap: 0, created_at: prof.user.created_at, updated_at: prof.user.created_at };
    const patches: unknown[] = [];
    const fetch: Fetch = async (url, init) => {
      const method = init?.method ?? 'GET';
      if (url === '/api/projects') return Response.json({ projects: [project] });
      if (url === '/api/projects/3' && method === 'GET') return Response.json(project);
      if (url === '/api/projects/3' && method === 'PATCH') {
        const body = JSON.parse(String(init?.body)) as Record<string, number>;
        patches.push(body);
        return Response.json({ ...project, ...body });
      }
      return Response.json({ error: { code: 'not_found', message: url } }, { status: 404 });
    };
    const api = new Client({ fetch });
    const store = new ProjectsStore(api);
    await store.load();
    dom.mount(ProjectsPage, { props: { store }, context: pageContext({ api, session: prof }) });
    await settle(() => expect(dom.target.querySelector('.project-list')).not.toBeNull());
    dom.target.querySelector<HTMLButtonElement>('button[aria-label="Rename Cells 101"]')!.click();
    await settle(() => expect(dom.target.querySelector('input[name=tile_size]')).not.toBeNull());
    const size = dom.target.querySelector<HTMLInputElement>('input[name=tile_size]')!;
    expect(size.value).toBe('512');
    expect(dom.target.querySelector('.tiling')?.textContent).toContain('Applies to images imported from now on');
    size.value = '256';
    size.dispatchEvent(new Event('input', { bubbles: true }));
    const overlap = dom.target.querySelector<HTMLInputElement>('input[name=tile_overlap]')!;
    overlap.value = '16';
    overlap.dispatchEvent(new Event('input', { bubbles: true }));
    dom.target.querySelector<HTMLButtonElement>('form.edit-form button[type=submit]')!.click();
    await settle(() => expect(patches).toEqual([{ tile_size: 256, tile_overlap: 16 }]));
    await settle(() => expect(dom.target.querySelector('form.edit-form')).toBeNull());
  });
});
