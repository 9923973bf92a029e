// @vitest-environment happy-dom
import { flushSync, mount, unmount } from 'svelte';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import App from './App.svelte';
import type { Project } from './lib/api';

/** A tiny in-memory Tessera behind window.fetch, in server mode. */
function fakeTessera(opts: { signedIn: boolean }) {
  let signedIn = opts.signedIn;
  const projects: Project[] = [];
  const session = {
    user: { id: 1, name: 'admin', role: 'admin', created_at: '2026-11-27T04:00:00Z' },
    mode: 'server',
  };
  const err = (status: number, code: string, message: string) =>
    Response.json({ error: { code, message } }, { status });
  return async (url: string, init?: RequestInit): Promise<Response> => {
    const method = init?.method ?? 'GET';
    const key = `${method} ${url}`;
    if (key === 'GET /api/health') return Response.json({ status: 'ok', version: '0.0.0-test', mode: 'server' });
    if (key === 'POST /api/login') {
      const body = JSON.parse(String(init?.body)) as { name: string; password: string };
      if (body.password !== 'pw') return err(401, 'unauthorized', 'wrong name or password');
      signedIn = true;
      return Response.json(session);
    }
    if (!signedIn) return err(401, 'unauthorized', 'sign in first');
    if (key === 'GET /api/session') return Response.json(session);
    if (key === 'POST /api/logout') {
      signedIn = false;
      return new Response(null, { status: 204 });
    }
    if (key === 'GET /api/projects') return Response.json({ projects });
    if (key === 'POST /api/projects') {
      const body = JSON.parse(String(init?.body)) as { name: string; description: string };
      if (projects.some((p) => p.name === body.name)) {
        return err(409, 'conflict', `a project named "${body.name}" already exists`);
      }
      const p = { id: projects.length + 1, ...body, created_at: '2026-11-27T04:00:00Z', updated_at: '2026-11-27T04:00:00Z' };
      projects.push(p);
      return Response.json(p, { status: 201 });
    }
    return err(404, 'not_found', `no route ${key}`);
  };
}

async function settle(check: () => void) {
  await vi.waitFor(() => {
    flushSync();
    check();
  });
}

function input(root: HTMLElement, selector: string, value: string) {
  const el = root.querySelector<HTMLInputElement>(selector);
  if (!el) throw new Error(`no ${selector}`);
  el.value = value;
  el.dispatchEvent(new Event('input', { bubbles: true }));
}

function submit(root: HTMLElement, selector: string) {
  const form = root.querySelector<HTMLFormElement>(selector);
  if (!form) throw new Error(`no ${selector}`);
  form.dispatchEvent(new Event('submit', { bubbles: true, cancelable: true }));
}

let app: ReturnType<typeof mount> | null = null;
let target: HTMLElement;

beforeEach(() => {
  vi.stubGlobal('EventSource', undefined);
  window.location.hash = '';
  target = document.createElement('div');
  document.body.appendChild(target);
});

afterEach(() => {
  if (app) unmount(app);
  app = null;
  target.remove();
  vi.unstubAllGlobals();
});

describe('App', () => {
  it('signs in, validates and creates a project', async () => {
    vi.stubGlobal('fetch', fakeTessera({ signedIn: false }));
    app = mount(App, { target });

    await settle(() => expect(target.textContent).toContain('Sign in'));
    input(target, 'input[name=name]', 'admin');
    input(target, 'input[name=password]', 'wrong');
    submit(target, 'form');
    await settle(() => expect(target.querySelector('[role=alert]')?.textContent).toBe('wrong name or password'));

    input(target, 'input[name=password]', 'pw');
    submit(target, 'form');
    await settle(() => expect(target.textContent).toContain('No projects yet'));
    expect(target.querySelector('.nav-user')?.textContent).toContain('admin');
    expect(target.querySelector('.nav-user')?.textContent).toContain('Admin');
    expect(window.location.hash).toBe('#/projects');

    submit(target, 'form.create-form');
    await settle(() => expect(target.querySelector('[role=alert]')?.textContent).toBe('project name is required'));

    input(target, '.create-form input[name=name]', '  Cells 101 ');
    input(target, '.create-form input[name=description]', 'HeLa nuclei');
    submit(target, 'form.create-form');
    await settle(() => expect(target.querySelector('.project-list')?.textContent).toContain('Cells 101'));
    expect(target.querySelector('.project-list')?.textContent).toContain('HeLa nuclei');

    input(target, '.create-form input[name=name]', 'Cells 101');
    submit(target, 'form.create-form');
    await settle(() =>
      expect(target.querySelector('[role=alert]')?.textContent).toBe('a project named "Cells 101" already exists'),
    );
  });

  it('shows an honest placeholder for each unbuilt step', async () => {
    vi.stubGlobal('fetch', fakeTessera({ signedIn: true }));
    window.location.hash = '#/projects';
    app = mount(App, { target });
    await settle(() => expect(target.textContent).toContain('No projects yet'));
    input(target, '.create-form input[name=name]', 'Cells 101');
    submit(target, 'form.create-form');
    await settle(() => expect(target.querySelector('.project-list')).not.toBeNull());

    window.location.hash = '#/projects/1/train';
    window.dispatchEvent(new HashChangeEvent('hashchange'));
    await settle(() => expect(target.querySelector('.not-built')?.textContent).toContain('Not built yet'));
    expect(target.querySelector('h1')?.textContent).toBe('Train');
    expect(target.querySelector('.nav-steps')?.textContent).toContain('Results');

    window.location.hash = '#/projects/99/images';
    window.dispatchEvent(new HashChangeEvent('hashchange'));
    await settle(() => expect(target.textContent).toContain('Project not found'));
  });
});
