// @vitest-environment happy-dom
// Leaving the tile editor with edits not yet saved: signing out, another
// page, or the session ending under the live stream.
import { flushSync } from 'svelte';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import App from '../App.svelte';
import { labellingFixture } from '../images/fixtures';
import { mountTarget, settle } from '../lib/test-dom';

const { project, session, image, tiles, tile, schema } = labellingFixture();

/** A signed-in Tessera with one tile; saves wait for the test to answer them. */
function fakeTessera() {
  const srv = {
    signedIn: true,
    log: [] as string[],
    saves: [] as ((res: Response) => void)[],
    fetch: async (url: string, init?: RequestInit): Promise<Response> => {
      const key = `${init?.method ?? 'GET'} ${url}`;
      srv.log.push(key);
      if (key === 'GET /api/health') return Response.json({ status: 'ok', version: 'test', mode: 'server' });
      if (!srv.signedIn) return Response.json({ error: { code: 'unauthorized', message: 'sign in first' } }, { status: 401 });
      switch (key) {
        case 'GET /api/session':
          return Response.json(session);
        case 'POST /api/logout':
          srv.signedIn = false;
          return new Response(null, { status: 204 });
        case 'GET /api/projects':
          return Response.json({ projects: [project] });
        case 'GET /api/projects/1/schema':
          return Response.json(schema);
        case 'GET /api/images/1/tiles':
          return Response.json({ tiles, total: tiles.length });
        case `GET /api/tiles/${tile.id}/labels`:
          return Response.json({
            tile,
            image,
            labels: { image_filename: 'slide__r0_c1.png', completed_tasks: [], labels: [] },
            revision: 3,
            complete: false,
            problems: [],
            neighbours: { prev: 100, next: 102, left: null, right: null, up: null, down: null },
          });
        case `PUT /api/tiles/${tile.id}/labels`:
          return new Promise((resolve) => srv.saves.push(resolve));
      }
      return Response.json({ error: { code: 'not_found', message: `no route ${key}` } }, { status: 404 });
    },
  };
  return srv;
}

/** An EventSource the test closes as the browser does on an HTTP error. */
class FakeEventSource {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSED = 2;
  static all: FakeEventSource[] = [];
  readyState = FakeEventSource.CONNECTING;
  onopen: (() => void) | null = null;
  onmessage: ((m: MessageEvent) => void) | null = null;
  onerror: (() => void) | null = null;
  constructor() {
    FakeEventSource.all.push(this);
  }
  refuse() {
    this.readyState = FakeEventSource.CLOSED;
    this.onerror?.();
  }
  close() {
    this.readyState = FakeEventSource.CLOSED;
  }
}

function button(text: string): HTMLButtonElement {
  const b = [...dom.target.querySelectorAll('button')].find((el) => el.textContent?.trim() === text);
  if (!b) throw new Error(`no button ${text}`);
  return b;
}

function markComplete() {
  const box = dom.target.querySelector<HTMLInputElement>('.complete-toggle input')!;
  box.checked = true;
  box.dispatchEvent(new Event('change', { bubbles: true }));
  flushSync();
}

const badSave = () => Response.json({ error: { code: 'invalid', message: 'the disk is full' } }, { status: 400 });
const goodSave = () => Response.json({ revision: 4, complete: true, problems: [] });

let srv: ReturnType<typeof fakeTessera>;

async function openTile() {
  srv = fakeTessera();
  vi.stubGlobal('fetch', srv.fetch);
  window.location.hash = `#/projects/1/tiles/${tile.id}`;
  dom.mount(App, {});
  await settle(() => expect(dom.target.querySelector('.save-state')?.textContent?.trim()).toBe('Saved'));
}

beforeEach(() => {
  localStorage.clear();
  vi.stubGlobal('EventSource', undefined);
});

afterEach(() => {
  FakeEventSource.all = [];
  vi.unstubAllGlobals();
  window.location.hash = '';
});

const dom = mountTarget();

describe('Shell', () => {
  it('saves the last edit before signing out', async () => {
    await openTile();
    markComplete();
    button('Sign out').click();
    await settle(() => expect(srv.saves).toHaveLength(1));
    expect(srv.log).not.toContain('POST /api/logout');
    srv.saves[0]!(goodSave());
    await settle(() => expect(dom.target.textContent).toContain('Sign in'));
    expect(srv.log.indexOf(`PUT /api/tiles/${tile.id}/labels`)).toBeLessThan(srv.log.indexOf('POST /api/logout'));
  });

  it('asks before signing out when the last edit cannot be saved', async () => {
    await openTile();
    markComplete();
    await settle(() => expect(srv.saves).toHaveLength(1));
    srv.saves[0]!(badSave());
    await settle(() => expect(dom.target.querySelector('.save-state')?.textContent).toContain('Not saved'));
    button('Sign out').click();
    await settle(() => expect(srv.saves).toHaveLength(2)); // one more try
    srv.saves[1]!(badSave());
    await settle(() => expect(dom.target.querySelector('dialog[open] h2')?.textContent).toBe('Sign out without saving?'));
    expect(srv.log).not.toContain('POST /api/logout');
    button('Sign out anyway').click();
    await settle(() => expect(dom.target.textContent).toContain('Sign in'));
  });

  it('asks before leaving a tile whose edits could not be saved', async () => {
    await openTile();
    markComplete();
    await settle(() => expect(srv.saves).toHaveLength(1));
    srv.saves[0]!(badSave());
    await settle(() => expect(dom.target.querySelector('.save-state')?.textContent).toContain('Not saved'));

    window.location.hash = '#/projects';
    window.dispatchEvent(new HashChangeEvent('hashchange'));
    await settle(() => expect(dom.target.querySelector('dialog[open] h2')?.textContent).toBe('Leave without saving?'));
    expect(dom.target.querySelector('h1')?.textContent).toBe('Tile r0_c1');
    expect(window.location.hash).toBe(`#/projects/1/tiles/${tile.id}`);
    button('Cancel').click();
    flushSync();
    expect(dom.target.querySelector('h1')?.textContent).toBe('Tile r0_c1');

    window.location.hash = '#/projects';
    window.dispatchEvent(new HashChangeEvent('hashchange'));
    await settle(() => expect(dom.target.querySelector('dialog[open] h2')?.textContent).toBe('Leave without saving?'));
    button('Leave anyway').click();
    window.dispatchEvent(new HashChangeEvent('hashchange'));
    await settle(() => expect(dom.target.querySelector('h1')?.textContent).toBe('Projects'));
  });

  it('shows the sign-in form when the live stream is refused because the session ended', async () => {
    vi.stubGlobal('EventSource', FakeEventSource);
    srv = fakeTessera();
    vi.stubGlobal('fetch', srv.fetch);
    window.location.hash = '#/projects';
    dom.mount(App, {});
    await settle(() => expect(FakeEventSource.all).toHaveLength(1));
    srv.signedIn = false; // e.g. the server restarted
    FakeEventSource.all[0]!.refuse();
    await settle(() => expect(dom.target.textContent).toContain('Your session has ended. Please sign in again.'));
  });
});
