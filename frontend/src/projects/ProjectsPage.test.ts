// @vitest-environment happy-dom
// Creating a project opens it, instead of leaving the person on the list.
import { afterEach, describe, expect, it } from 'vitest';
import { Client, type Fetch, type Project, type Session } from '../lib/api';
import { pageContext } from '../lib/context';
import { mountTarget, settle } from '../lib/test-dom';
import ProjectsPage from './ProjectsPage.svelte';
import { ProjectsStore } from './store.svelte';

const prof: Session = { user: { id: 1, name: 'prof', role: 'professor', created_at: '2026-11-27T04:00:00Z' }, mode: 'server' };

afterEach(() => {
  window.location.hash = '';
});

const dom = mountTarget();

describe('the projects page', () => {
  it('opens the project it has just created', async () => {
    const made: Project = { id: 42, name: 'Cells 101', description: '', created_at: prof.user.created_at, updated_at: prof.user.created_at };
    const fetch: Fetch = async (_url, init) =>
      (init?.method ?? 'GET') === 'POST' ? Response.json(made, { status: 201 }) : Response.json({ projects: [] });
    const api = new Client({ fetch });
    const store = new ProjectsStore(api);
    await store.load();
    window.location.hash = '#/projects';
    dom.mount(ProjectsPage, { props: { store }, context: pageContext({ api, session: prof }) });
    const input = dom.target.querySelector<HTMLInputElement>('input[name=name]')!;
    input.value = 'Cells 101';
    input.dispatchEvent(new Event('input', { bubbles: true }));
    dom.target.querySelector<HTMLButtonElement>('button[type=submit]')!.click();
    await settle(() => expect(window.location.hash).toBe('#/projects/42/images'));
  });
});
