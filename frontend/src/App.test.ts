// @vitest-environment happy-dom
import { flushSync, mount, unmount } from 'svelte';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import App from './App.svelte';
import { imageFixture, tilesFixture } from './images/fixtures';
import type { Project } from './lib/api';

/** The images API of a fake project 1 holding one tiled 1300 × 900 image. */
function imagesRoute(method: string, url: string): Response | null {
  if (method !== 'GET') return null;
  const img = imageFixture({ id: 1, project_id: 1, name: 'slide.png' });
  const tiles = tilesFixture(1300, 900, 512, 1, 100);
  const path = url.split('?')[0];
  if (path === '/api/projects/1/images') return Response.json({ images: [img], total: 1 });
  if (path === '/api/images/1') return Response.json(img);
  if (path === '/api/images/1/tiles') return Response.json({ tiles, total: tiles.length });
  const m = /^\/api\/tiles\/(\d+)$/.exec(path ?? '');
  const tile = m ? tiles.find((t) => t.id === Number(m[1])) : undefined;
  if (tile) return Response.json(tile);
  return null;
}

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
    const images = imagesRoute(method, url);
    if (images) return images;
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

  it('lists a project’s images and opens a tile with its neighbours', async () => {
    vi.stubGlobal('fetch', fakeTessera({ signedIn: true }));
    window.location.hash = '#/projects';
    app = mount(App, { target });
    await settle(() => expect(target.textContent).toContain('No projects yet'));
    input(target, '.create-form input[name=name]', 'Cells 101');
    submit(target, 'form.create-form');
    await settle(() => expect(target.querySelector('.project-list')).not.toBeNull());

    window.location.hash = '#/projects/1/images';
    window.dispatchEvent(new HashChangeEvent('hashchange'));
    await settle(() => expect(target.querySelector('.image-card')).not.toBeNull());
    const card = target.querySelector('.image-card')!;
    expect(card.textContent).toContain('slide.png');
    expect(card.textContent).toContain('1300 × 900');
    expect(card.textContent).toContain('Ready');
    expect(card.textContent).toContain('6 tiles');
    expect(card.querySelector('a.image-name')?.getAttribute('href')).toBe('#/projects/1/images/1');
    expect(target.textContent).toContain('Choose images…');
    expect(target.querySelector('.not-built')).toBeNull();

    window.location.hash = '#/projects/1/tiles/101';
    window.dispatchEvent(new HashChangeEvent('hashchange'));
    await settle(() => expect(target.querySelector('.tile-image')).not.toBeNull());
    expect(target.querySelector('h1')?.textContent).toBe('Tile r0_c1');
    expect(target.querySelector('.tile-image')?.getAttribute('src')).toBe('/api/tiles/101/image');
    const links = [...target.querySelectorAll<HTMLAnchorElement>('.tile-nav a')].map((a) => [a.textContent, a.getAttribute('href')]);
    expect(links).toEqual([
      ['← Previous tile', '#/projects/1/tiles/100'],
      ['Next tile →', '#/projects/1/tiles/102'],
      ['Back to the image', '#/projects/1/images/1'],
    ]);
    expect(target.querySelector('.nav-steps a[aria-current]')?.textContent).toContain('Images');
  });
});
