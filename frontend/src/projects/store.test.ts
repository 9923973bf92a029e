import { describe, expect, it } from 'vitest';
import { Client, type Fetch, type Project } from '../lib/api';
import { ProjectsStore } from './store.svelte';

function p(id: number, name: string): Project {
  return { id, name, description: '', created_at: '2026-11-27T04:00:00Z', updated_at: '2026-11-27T04:00:00Z' };
}

/** A fake server holding a projects table, reached through the real client. */
function fakeServer(initial: Project[]) {
  let rows = [...initial];
  let gets = 0;
  const fetch: Fetch = async (url, init) => {
    const method = init?.method ?? 'GET';
    const m = /^\/api\/projects(?:\/(\d+))?$/.exec(url);
    if (!m) return new Response('{}', { status: 404 });
    const id = m[1] ? Number(m[1]) : undefined;
    if (method === 'GET' && id === undefined) {
      gets++;
      return Response.json({ projects: rows });
    }
    if (method === 'POST') {
      const body = JSON.parse(String(init?.body)) as { name: string };
      const np = p(100 + rows.length, body.name);
      rows.push(np);
      return Response.json(np, { status: 201 });
    }
    if (method === 'PATCH') {
      const body = JSON.parse(String(init?.body)) as { name: string };
      rows = rows.map((r) => (r.id === id ? { ...r, name: body.name } : r));
      return Response.json(rows.find((r) => r.id === id));
    }
    if (method === 'DELETE') {
      rows = rows.filter((r) => r.id !== id);
      return new Response(null, { status: 204 });
    }
    return new Response('{}', { status: 405 });
  };
  return {
    api: new Client({ fetch }),
    add: (x: Project) => rows.push(x),
    gets: () => gets,
  };
}

describe('ProjectsStore', () => {
  it('loads, sorts by name and applies its own changes', async () => {
    const srv = fakeServer([p(1, 'beta'), p(2, 'Alpha')]);
    const store = new ProjectsStore(srv.api);
    expect(await store.load()).toBe(true);
    expect(store.projects.map((x) => x.name)).toEqual(['Alpha', 'beta']);

    const created = await store.create({ name: 'Cells 101', description: '' });
    expect(store.projects.map((x) => x.name)).toEqual(['Alpha', 'beta', 'Cells 101']);
    await store.update(created.id, { name: 'aardvark' });
    expect(store.projects.map((x) => x.name)).toEqual(['aardvark', 'Alpha', 'beta']);
    await store.remove(created.id);
    expect(store.projects.map((x) => x.name)).toEqual(['Alpha', 'beta']);
  });

  it('re-reads the list on project events from others', async () => {
    const srv = fakeServer([p(1, 'A')]);
    const store = new ProjectsStore(srv.api);
    await store.load();
    srv.add(p(7, 'B'));
    store.handleEvent({ type: 'project.created', project_id: 7, time: 't' });
    await expect.poll(() => store.projects.map((x) => x.id)).toEqual([1, 7]);
    store.handleEvent({ type: 'job.log', time: 't' });
    expect(srv.gets()).toBe(2);
  });

  it('drops a deleted project at once', async () => {
    const srv = fakeServer([p(1, 'A'), p(2, 'B')]);
    const store = new ProjectsStore(srv.api);
    await store.load();
    store.handleEvent({ type: 'project.deleted', project_id: 2, time: 't' });
    expect(store.projects.map((x) => x.id)).toEqual([1]);
  });

  it('keeps the error message when loading fails', async () => {
    const api = new Client({
      fetch: async () => Response.json({ error: { code: 'forbidden', message: 'not allowed' } }, { status: 403 }),
    });
    const store = new ProjectsStore(api);
    expect(await store.load()).toBe(false);
    expect(store.error).toBe('not allowed');
    expect(store.loaded).toBe(false);
  });
});
