// @vitest-environment happy-dom
// The tile editor against a fake server: what a person sees and what is
// sent when saving goes wrong (someone else saved, the network or the
// session went away, the live stream came back).
import { flushSync } from 'svelte';
import { beforeEach, describe, expect, it } from 'vitest';
import { labellingFixture } from '../images/fixtures';
import { Client } from '../lib/api';
import { LiveHub } from '../lib/hub';
import { LeaveGuards } from '../lib/router.guards';
import { mountTarget, settle } from '../lib/test-dom';
import Harness from './EditorPage.harness.svelte';

const { project, session, image, tiles, tile, schema } = labellingFixture();

/** A polygon label, for files that hold some. */
function square(i: number) {
  const x = 10 * i;
  return {
    label_type: 'polygon',
    object_id: `o${i}`,
    label_class: 'cell',
    source: 'manual',
    anno_data: {},
    regions: [
      [
        { x, y: 0 },
        { x: x + 5, y: 0 },
        { x: x + 5, y: 5 },
      ],
    ],
  };
}

function labelsAt(revision: number, completed: string[] = [], count = 0, openBy: string[] = []) {
  return {
    tile,
    image,
    labels: { image_filename: `slide__${tile.name}.png`, completed_tasks: completed, labels: Array.from({ length: count }, (_, i) => square(i)) },
    open_by: openBy,
    revision,
    complete: completed.length > 0,
    problems: [],
    neighbours: { prev: 100, next: 102, left: null, right: null, up: null, down: null },
  };
}

interface Put {
  body: { labels: { completed_tasks: string[] }; base_revision: number; edit_seconds: number };
  answer(res: Response | Error): void;
}

/** The server: GETs answer at once (or wait while `holdGets`), PUTs wait for the test. */
function fakeServer() {
  const srv = {
    revision: 3,
    puts: [] as Put[],
    held: [] as (() => void)[],
    holdGets: false,
    labelCount: 0,
    openBy: [] as string[],
    heartbeats: 0,
    getsAt: () => labelsAt(srv.revision, [], srv.labelCount, srv.openBy),
    fetch: async (url: string, init?: RequestInit): Promise<Response> => {
      const method = init?.method ?? 'GET';
      if (method === 'PUT' && url === `/api/tiles/${tile.id}/labels`) {
        return new Promise((resolve, reject) => {
          srv.puts.push({
            body: JSON.parse(String(init?.body)) as Put['body'],
            answer: (res) => (res instanceof Error ? reject(res) : resolve(res)),
          });
        });
      }
      if (method === 'POST' && url === `/api/tiles/${tile.id}/open`) {
        srv.heartbeats++;
        return Response.json({ open_by: srv.openBy });
      }
      if (url === `/api/tiles/${tile.id}/labels`) {
        const body = srv.getsAt();
        if (srv.holdGets) await new Promise<void>((r) => srv.held.push(r));
        return Response.json(body);
      }
      if (url === '/api/projects/1/schema') return Response.json(schema);
      if (url === '/api/images/1/tiles') return Response.json({ tiles, total: tiles.length });
      return Response.json({ error: { code: 'not_found', message: `no route ${method} ${url}` } }, { status: 404 });
    },
  };
  return srv;
}

const saved = (revision: number) => Response.json({ revision, complete: false, problems: [] });

function open(srv: ReturnType<typeof fakeServer>, hub = new LiveHub(), guards = new LeaveGuards(), heartbeatMs?: number) {
  const api = new Client({ fetch: srv.fetch });
  dom.mount(Harness, { props: { api, hub, guards, session, project, tileId: tile.id, heartbeatMs } });
  return { hub, guards };
}

/** Closes the editor opened last, as closing its tab would. */
function close() {
  dom.unmount();
}

function q<T extends Element = HTMLElement>(selector: string): T {
  const el = dom.target.querySelector<T>(selector);
  if (!el) throw new Error(`no ${selector}`);
  return el;
}

function button(text: string): HTMLButtonElement {
  const b = [...dom.target.querySelectorAll('button')].find((el) => el.textContent?.trim() === text);
  if (!b) throw new Error(`no button ${text}`);
  return b;
}

/** An edit a person can make with one click: ticking "Mark tile complete". */
function markComplete(done = true) {
  const box = q<HTMLInputElement>('.complete-toggle input');
  box.checked = done;
  box.dispatchEvent(new Event('change', { bubbles: true }));
  flushSync();
}

/** The unsaved edits kept in localStorage (backup.ts). */
const keptCopies = () => Object.keys(localStorage).filter((k) => k.startsWith('tessera.unsaved.'));

const saveState = () => q('.save-state').textContent?.trim();

beforeEach(() => {
  localStorage.clear();
});

const dom = mountTarget();

describe('EditorPage', () => {
  it('"Keep mine" asks first, then saves my version over the newer one someone else saved', async () => {
    const srv = fakeServer();
    const { hub } = open(srv);
    await settle(() => expect(saveState()).toBe('Saved'));
    markComplete();
    await settle(() => expect(srv.puts).toHaveLength(1));
    // bo saved first (their event comes while mine is on its way): mine is refused.
    srv.revision = 6;
    srv.labelCount = 4;
    hub.emit({ type: 'labels.updated', project_id: 1, time: 't', data: { tile_id: tile.id, image_id: 1, revision: 6, labels: 4, user: 'bo' } });
    srv.puts[0]!.answer(Response.json({ error: { code: 'conflict', message: 'saved by someone else meanwhile' } }, { status: 409 }));
    await settle(() => expect(dom.target.textContent).toContain('Their version: 4 labels, saved by bo. Yours: 0 labels, not saved.'));
    // My edit is still on screen.
    expect(q<HTMLInputElement>('.complete-toggle input').checked).toBe(true);
    button('Keep mine').click();
    flushSync();
    // Nothing is replaced before the person confirms.
    expect(srv.puts).toHaveLength(1);
    expect(dom.target.textContent).toContain('Replace bo’s 4 labels with your 0 labels?');
    button('Cancel').click();
    flushSync();
    expect(srv.puts).toHaveLength(1);
    button('Keep mine').click();
    flushSync();
    button('Replace theirs').click();
    // Mine goes at once, on their revision: no conflict, nothing lost.
    await settle(() => expect(srv.puts).toHaveLength(2));
    expect(srv.puts[1]!.body.base_revision).toBe(6);
    expect(srv.puts[1]!.body.labels.completed_tasks).toEqual(['finished']);
    srv.puts[1]!.answer(saved(7));
    await settle(() => expect(saveState()).toBe('Saved'));
    expect(dom.target.textContent).not.toContain('saved a newer version');
    markComplete(false);
    await settle(() => expect(srv.puts).toHaveLength(3));
    expect(srv.puts[2]!.body.base_revision).toBe(7);
  });

  it('loads a newer version by itself when I have no edits, and undo starts over from it', async () => {
    const srv = fakeServer();
    const { hub } = open(srv);
    await settle(() => expect(saveState()).toBe('Saved'));
    markComplete();
    await settle(() => expect(srv.puts).toHaveLength(1));
    srv.puts[0]!.answer(saved(4));
    await settle(() => expect(saveState()).toBe('Saved'));
    expect(button('Undo').disabled).toBe(false);

    srv.revision = 6;
    srv.labelCount = 4;
    hub.emit({ type: 'labels.updated', project_id: 1, time: 't', data: { tile_id: tile.id, image_id: 1, revision: 6, labels: 4, user: 'bo' } });
    await settle(() => expect(dom.target.querySelectorAll('g.label')).toHaveLength(4));
    expect(dom.target.textContent).not.toContain('saved a newer version');
    expect(dom.target.querySelector('.conflict-notice')).toBeNull();
    // Undoing must not bring my old version back over theirs.
    expect(button('Undo').disabled).toBe(true);
    expect(srv.puts).toHaveLength(1);
  });

  it('shows the conflict banner above the stage, not over it', async () => {
    const srv = fakeServer();
    const { hub } = open(srv);
    await settle(() => expect(saveState()).toBe('Saved'));
    button('Polygon').click();
    flushSync();
    q('svg.overlay').dispatchEvent(new PointerEvent('pointerdown', { button: 0, clientX: 10, clientY: 10, bubbles: true }));
    hub.emit({ type: 'labels.updated', project_id: 1, time: 't', data: { tile_id: tile.id, image_id: 1, revision: 6, labels: 2, user: 'stud' } });
    await settle(() => expect(dom.target.textContent).toContain('Their version: 2 labels, saved by stud.'));
    const banner = q('.conflict-notice');
    expect(q('.stage').contains(banner)).toBe(false);
    // It comes before the stage in the page.
    expect(banner.compareDocumentPosition(q('.stage')) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
  });

  it('says who else has the tile open, and keeps telling the server it is open here', async () => {
    const srv = fakeServer();
    srv.openBy = ['stud'];
    open(srv, new LiveHub(), new LeaveGuards(), 20);
    await settle(() => expect(dom.target.textContent).toContain('Also open: stud'));
    await settle(() => expect(srv.heartbeats).toBeGreaterThan(0));
    srv.openBy = [];
    await settle(() => expect(dom.target.textContent).not.toContain('Also open'));
  });

  it('files a save that lands after the person moved on under the tile it was made on', async () => {
    const srv = fakeServer();
    const api = new Client({ fetch: srv.fetch });
    const editor = dom.mount(Harness, { props: { api, hub: new LiveHub(), guards: new LeaveGuards(), session, project, tileId: tile.id } }) as unknown as {
      go(id: number): void;
    };
    await settle(() => expect(saveState()).toBe('Saved'));
    markComplete();
    editor.go(tiles[2]!.id); // "Next tile" within the pause before saving
    flushSync();
    await settle(() => expect(srv.puts).toHaveLength(1));
    expect(keptCopies()).toEqual([`tessera.unsaved.${session.user.id}.${tile.id}`]);
    srv.puts[0]!.answer(saved(4));
    // Saved: the copy kept for tile 101 goes, and none is made for 102.
    await settle(() => expect(keptCopies()).toEqual([]));
  });

  it('keeps an edit it could not save on this computer and offers it back', async () => {
    const srv = fakeServer();
    const { guards } = open(srv);
    await settle(() => expect(saveState()).toBe('Saved'));
    markComplete();
    expect(guards.unsaved()).toBe('waiting'); // closing the tab now asks first
    await settle(() => expect(srv.puts).toHaveLength(1));
    srv.puts[0]!.answer(Response.json({ error: { code: 'invalid', message: 'the disk is full' } }, { status: 400 }));
    await settle(() => expect(saveState()).toContain('Not saved: the disk is full'));
    expect(guards.unsaved()).toBe('failed');

    // The tab closes (or the session ends and the editor goes).
    close();
    // The closing page tries once more; that fails too, and it is left at that.
    await settle(() => expect(srv.puts).toHaveLength(2));
    srv.puts[1]!.answer(new TypeError('Failed to fetch'));

    open(srv);
    await settle(() => expect(dom.target.textContent).toContain('were kept on this computer'));
    expect(q<HTMLInputElement>('.complete-toggle input').checked).toBe(false);
    button('Restore').click();
    flushSync();
    expect(q<HTMLInputElement>('.complete-toggle input').checked).toBe(true);
    await settle(() => expect(srv.puts).toHaveLength(3));
    expect(srv.puts[2]!.body).toMatchObject({ base_revision: 3, labels: { completed_tasks: ['finished'] } });
    srv.puts[2]!.answer(saved(4));
    await settle(() => expect(saveState()).toBe('Saved'));
    expect(keptCopies()).toEqual([]);
    expect(srv.puts).toHaveLength(3);
  });

  it('discards kept edits on request, and ignores those a newer revision overtook', async () => {
    const srv = fakeServer();
    open(srv);
    await settle(() => expect(saveState()).toBe('Saved'));
    markComplete();
    await settle(() => expect(srv.puts).toHaveLength(1));
    close(); // the save is still on its way; its answer is lost with the tab
    open(srv);
    await settle(() => expect(dom.target.textContent).toContain('were kept on this computer'));
    button('Discard').click();
    flushSync();
    expect(dom.target.textContent).not.toContain('were kept on this computer');
    expect(keptCopies()).toEqual([]);

    markComplete();
    await settle(() => expect(srv.puts).toHaveLength(2));
    close();
    srv.revision = 4; // it landed after all
    open(srv);
    await settle(() => expect(saveState()).toBe('Saved'));
    expect(dom.target.textContent).not.toContain('were kept on this computer');
    expect(keptCopies()).toEqual([]);
  });

  it('does not let a resync overwrite edits made while it was reading the tile', async () => {
    const srv = fakeServer();
    const { hub } = open(srv);
    await settle(() => expect(saveState()).toBe('Saved'));

    // The live stream came back: the tile is read again, slowly.
    srv.holdGets = true;
    srv.revision = 5; // someone else saved meanwhile
    hub.resync();
    await settle(() => expect(srv.held).toHaveLength(1));
    markComplete(); // drawn while the answer is on its way
    srv.held[0]!();
    await new Promise((r) => setTimeout(r, 20));
    flushSync();
    expect(q<HTMLInputElement>('.complete-toggle input').checked).toBe(true);
    await settle(() => expect(srv.puts).toHaveLength(1));
    expect(srv.puts[0]!.body.labels.completed_tasks).toEqual(['finished']);
  });

  it('announces what a resync found instead of replacing the tile while a polygon is being drawn', async () => {
    const srv = fakeServer();
    const { hub } = open(srv);
    await settle(() => expect(saveState()).toBe('Saved'));
    button('Polygon').click();
    flushSync();
    q('svg.overlay').dispatchEvent(new PointerEvent('pointerdown', { button: 0, clientX: 10, clientY: 10, bubbles: true }));
    srv.revision = 5;
    hub.resync();
    await settle(() => expect(dom.target.textContent).toContain('Someone saved a newer version of this tile'));
    expect(dom.target.querySelectorAll('.drawing')).toHaveLength(1);
  });

  it('does not let a stale resync answer replace a save that landed meanwhile', async () => {
    const srv = fakeServer();
    const { hub } = open(srv);
    await settle(() => expect(saveState()).toBe('Saved'));
    srv.holdGets = true;
    srv.getsAt = () => labelsAt(2); // read before our save landed
    hub.resync();
    await settle(() => expect(srv.held).toHaveLength(1));
    markComplete();
    await settle(() => expect(srv.puts).toHaveLength(1));
    srv.puts[0]!.answer(saved(4));
    await settle(() => expect(saveState()).toBe('Saved'));
    srv.held[0]!();
    await new Promise((r) => setTimeout(r, 20));
    flushSync();
    expect(q<HTMLInputElement>('.complete-toggle input').checked).toBe(true);
    expect(dom.target.textContent).not.toContain('saved a newer version');
  });

  it('leaves Space and Enter to a focused button', async () => {
    const srv = fakeServer();
    open(srv);
    await settle(() => expect(saveState()).toBe('Saved'));
    button('Polygon').click();
    flushSync();
    const svg = q<SVGSVGElement>('svg.overlay');
    for (const [x, y] of [
      [10, 10],
      [100, 10],
      [50, 90],
    ]) {
      svg.dispatchEvent(new PointerEvent('pointerdown', { button: 0, clientX: x, clientY: y, bubbles: true }));
    }
    flushSync();
    expect(dom.target.querySelectorAll('.drawing')).toHaveLength(1);

    const fit = button('Fit');
    fit.focus();
    const press = (key: string) => {
      const e = new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true });
      fit.dispatchEvent(e);
      flushSync();
      return e.defaultPrevented;
    };
    expect(press(' ')).toBe(false);
    expect(q('.stage').classList.contains('space')).toBe(false);
    expect(press('Enter')).toBe(false);
    // The polygon is still being drawn, not closed into a label.
    expect(dom.target.querySelectorAll('.drawing')).toHaveLength(1);
    expect(dom.target.querySelectorAll('g.label')).toHaveLength(0);
    // Elsewhere Enter still closes it.
    document.body.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true, cancelable: true }));
    flushSync();
    expect(dom.target.querySelectorAll('g.label')).toHaveLength(1);
  });
});
