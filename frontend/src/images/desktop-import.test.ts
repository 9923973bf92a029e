// @vitest-environment happy-dom
// The Images page in the desktop window: files come in as paths (the native
// dialog, or a drop the window reports), never as uploads; live events come
// through Wails' runtime.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import App from '../App.svelte';
import { mountTarget, settle } from '../lib/test-dom';
import { imageFixture } from './fixtures';

type Handler = (...args: unknown[]) => void;

function desktopTessera() {
  const posted: string[][] = [];
  const project = { id: 1, name: 'Slides', description: '', created_at: '2026-11-27T04:00:00Z', updated_at: '2026-11-27T04:00:00Z' };
  const queued = imageFixture({ id: 5, project_id: 1, name: 'a.png', state: 'queued', pyramid: null, tiles_count: 0 });
  const fetch = async (url: string, init?: RequestInit): Promise<Response> => {
    const key = `${init?.method ?? 'GET'} ${url.split('?')[0]}`;
    switch (key) {
      case 'GET /api/health':
        return Response.json({ status: 'ok', version: 'test', mode: 'desktop' });
      case 'GET /api/session':
        return Response.json({ user: { id: 1, name: 'me', role: 'admin', created_at: project.created_at }, mode: 'desktop' });
      case 'GET /api/projects':
        return Response.json({ projects: [project] });
      case 'GET /api/projects/1/images':
        return Response.json({ images: [], total: 0 });
      case 'POST /api/projects/1/images/import-paths': {
        const body = JSON.parse(String(init?.body)) as { paths: string[] };
        posted.push(body.paths);
        return Response.json(
          {
            result: {
              imported: posted.length === 1 ? [queued] : [],
              duplicates: posted.length === 1 ? [{ path: '/home/me/b.png', image_id: 2 }] : [],
              failed: posted.length === 1 ? [{ path: '/home/me/c.txt', error: 'not an image' }] : [],
            },
          },
          { status: 202 },
        );
      }
    }
    return Response.json({ error: { code: 'not_found', message: key } }, { status: 404 });
  };
  return { fetch, posted, queued };
}

const handlers = new Map<string, Handler>();

beforeEach(() => {
  handlers.clear();
  window.location.hash = '#/projects/1/images';
  const w = window as unknown as { runtime: unknown; go: unknown };
  w.runtime = {
    EventsOn: (name: string, cb: Handler) => {
      handlers.set(name, cb);
      return () => handlers.delete(name);
    },
  };
  w.go = {
    app: {
      App: {
        FrontendReady: () => Promise.resolve(),
        ChooseImages: () => Promise.resolve(['/home/me/a.png', '/home/me/b.png', '/home/me/c.txt']),
      },
    },
  };
});

afterEach(() => {
  const w = window as unknown as { runtime?: unknown; go?: unknown };
  delete w.runtime;
  delete w.go;
  vi.unstubAllGlobals();
});

const dom = mountTarget();

describe('Images in the desktop window', () => {
  it('imports chosen and dropped paths and follows tiling through Wails events', async () => {
    const srv = desktopTessera();
    vi.stubGlobal('fetch', srv.fetch);
    dom.mount(App, {});
    await settle(() => expect(dom.target.textContent).toContain('No images yet'));
    // No file input: a File body would crash WebKitGTK.
    expect(dom.target.querySelector('input[type=file]')).toBeNull();
    expect(handlers.has('tessera:files-dropped')).toBe(true);

    const button = [...dom.target.querySelectorAll('button')].find((b) => b.textContent?.includes('Import images…'));
    button!.click();
    await settle(() => expect(dom.target.querySelector('.import-summary')).not.toBeNull());
    expect(srv.posted).toEqual([['/home/me/a.png', '/home/me/b.png', '/home/me/c.txt']]);
    const summary = dom.target.querySelector('.import-summary')!.textContent ?? '';
    expect(summary).toContain('Imported 1 image');
    expect(summary).toContain('1 duplicate skipped');
    expect(summary).toContain('1 failed');
    expect(summary).toContain('/home/me/c.txt: not an image');
    await settle(() => expect(dom.target.querySelector('.image-card')?.textContent).toContain('Queued'));

    // Tiling progress, then ready, as the desktop's live events.
    const live = handlers.get('tessera:event')!;
    live({ type: 'image.updated', project_id: 1, data: { ...srv.queued, state: 'tiling', updated_at: '2026-11-27T04:00:01Z' }, time: '' });
    live({ type: 'image.progress', project_id: 1, data: { image_id: 5, done: 3, total: 6 }, time: '' });
    await settle(() => expect(dom.target.querySelector('.image-card')?.textContent).toContain('3 / 6 tiles'));
    live({
      type: 'image.updated',
      project_id: 1,
      data: { ...srv.queued, state: 'ready', tiles_count: 6, pyramid: { tile_size: 256, levels: 3, format: 'jpg' }, updated_at: '2026-11-27T04:00:02Z' },
      time: '',
    });
    await settle(() => expect(dom.target.querySelector('.image-card')?.textContent).toContain('6 tiles'));
    expect(dom.target.querySelector('.image-card')?.textContent).toContain('Ready');

    // A drop on the window arrives as paths.
    handlers.get('tessera:files-dropped')!(['/home/me/d.png']);
    await settle(() => expect(srv.posted).toHaveLength(2));
    expect(srv.posted[1]).toEqual(['/home/me/d.png']);

    // Leaving the page stops listening for drops.
    window.location.hash = '#/projects/1/train';
    window.dispatchEvent(new HashChangeEvent('hashchange'));
    await settle(() => expect(handlers.has('tessera:files-dropped')).toBe(false));
  });
});
