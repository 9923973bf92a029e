// @vitest-environment happy-dom
// The Annotate step's way into the editor: "Continue annotating" asks the
// server for the first tile not yet complete that nobody else has open,
// which may take a while.
import { flushSync } from 'svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { tilesFixture } from '../images/fixtures';
import { Client, type Session } from '../lib/api';
import { pageContext } from '../lib/context';
import { LiveHub } from '../lib/hub';
import { mountTarget, settle } from '../lib/test-dom';
import AnnotatePage from './AnnotatePage.svelte';

const session: Session = { user: { id: 1, name: 'ada', role: 'student', created_at: '2026-11-27T04:00:00Z' }, mode: 'server' };
const tiles = tilesFixture(1024, 512, 512, 1, 100);
const schema = {
  colour_schemes: [],
  label_class_groups: [{ group_name: 'Cells', group_classes: [{ name: 'cell', human_name: 'Cell', colours: { default: [255, 0, 0] } }] }],
};
const progress = {
  images: [{ image_id: 1, name: 'slide.png', tiles: tiles.length, labelled: 1, complete: 1 }],
  tiles: tiles.length,
  labelled: 1,
  complete: 1,
  classes: [],
  users: [],
};

/** The server; its choice of tile waits for the test, and the label reads are counted. */
function fakeServer() {
  const srv = {
    release: null as (() => void) | null,
    labelReads: 0,
    fetch: async (url: string): Promise<Response> => {
      if (url === '/api/projects/1/schema') return Response.json(schema);
      if (url === '/api/projects/1/progress') return Response.json(progress);
      if (url === '/api/projects/1/next-tile?image=1') {
        await new Promise<void>((r) => (srv.release = r));
        // The first incomplete tile is open elsewhere: the server picks the next.
        return Response.json({ tile: tiles[1] });
      }
      const m = /^\/api\/tiles\/(\d+)\/labels$/.exec(url);
      if (m) {
        srv.labelReads++;
        return Response.json({ error: { code: 'not_found', message: 'no labels' } }, { status: 404 });
      }
      return Response.json({ error: { code: 'not_found', message: `no route ${url}` } }, { status: 404 });
    },
  };
  return srv;
}

beforeEach(() => {
  window.location.hash = '#/projects/1/annotate';
});

const dom = mountTarget();

function button(text: string): HTMLButtonElement {
  const b = [...dom.target.querySelectorAll('button')].find((el) => el.textContent?.trim() === text);
  if (!b) throw new Error(`no button ${text}`);
  return b;
}

async function openPage(srv: ReturnType<typeof fakeServer>, as: Session = session) {
  dom.mount(AnnotatePage, { props: { projectId: 1 }, context: pageContext({ api: new Client({ fetch: srv.fetch }), hub: new LiveHub(), session: as }) });
  await settle(() => button('Continue annotating'));
}

describe('AnnotatePage', () => {
  it('opens the tile the server picked: the first not complete that nobody else has open', async () => {
    const srv = fakeServer();
    await openPage(srv);
    button('Continue annotating').click();
    await vi.waitFor(() => expect(srv.release).not.toBeNull());
    srv.release!();
    await vi.waitFor(() => expect(window.location.hash).toBe(`#/projects/1/tiles/${tiles[1]!.id}`));
    expect(srv.labelReads).toBe(0); // no tile is read (and so marked open) on the way
  });

  it('stays where the person went when they left while the tile was being found', async () => {
    const srv = fakeServer();
    await openPage(srv);
    button('Continue annotating').click();
    await vi.waitFor(() => expect(srv.release).not.toBeNull());
    // They go to the Train step meanwhile.
    dom.unmount();
    window.location.hash = '#/projects/1/train';
    srv.release!();
    await new Promise((r) => setTimeout(r, 50));
    expect(window.location.hash).toBe('#/projects/1/train');
    expect(srv.labelReads).toBe(0); // and no tile's labels are read for nothing
  });

  it('exports only tiles marked complete unless asked to include all', async () => {
    const prof: Session = { ...session, user: { ...session.user, name: 'prof', role: 'professor' } };
    await openPage(fakeServer(), prof);
    const link = () => [...dom.target.querySelectorAll<HTMLAnchorElement>('a')].find((a) => a.textContent === 'Export masks (PNG)')!;
    expect(link().getAttribute('href')).toBe('/api/projects/1/export?format=masks&per=tile&complete=1');
    expect(dom.target.textContent).toContain('--complete-only');
    const box = [...dom.target.querySelectorAll('label')].find((l) => l.textContent?.includes('Include tiles not marked complete'))!.querySelector('input')!;
    expect(box.checked).toBe(false);
    box.click();
    flushSync();
    expect(link().getAttribute('href')).toBe('/api/projects/1/export?format=masks&per=tile');
    expect(dom.target.textContent).not.toContain('--complete-only');
  });
});
