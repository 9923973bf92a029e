import { describe, expect, it } from 'vitest';
import { Client, type Fetch, type Image, type LiveEvent } from '../lib/api';
import { imageFixture } from './fixtures';
import { ImagesStore, isStale, tilingFraction, timeKey } from './store.svelte';

/** A fake server holding a project's images (newest first), with a gate to hold answers back. */
function fakeServer(initial: Image[]) {
  const rows = [...initial];
  const gets: string[] = [];
  let gate: Promise<void> | null = null;
  const fetch: Fetch = async (url) => {
    gets.push(url);
    if (gate) await gate;
    const u = new URL(url, 'http://x');
    const off = Number(u.searchParams.get('offset'));
    const lim = Number(u.searchParams.get('limit'));
    return Response.json({ images: rows.slice(off, off + lim), total: rows.length });
  };
  return {
    api: new Client({ fetch }),
    rows,
    gets,
    hold() {
      let open = () => {};
      gate = new Promise<void>((r) => (open = r));
      return () => {
        gate = null;
        open();
      };
    },
  };
}

function many(n: number, project = 3): Image[] {
  // Newest (highest id) first, as the API lists them.
  return Array.from({ length: n }, (_, i) => imageFixture({ id: n - i, project_id: project, name: `img${n - i}.png` }));
}

const ev = (type: string, data: unknown, project_id = 3): LiveEvent => ({ type, project_id, data, time: 't' });

describe('ImagesStore', () => {
  it('loads the first page, then more on request', async () => {
    const srv = fakeServer(many(250));
    const store = new ImagesStore(srv.api, 3);
    expect(await store.load()).toBe(true);
    expect(store.images).toHaveLength(100);
    expect(store.total).toBe(250);
    expect(store.hasMore).toBe(true);
    await store.loadMore();
    await store.loadMore();
    expect(store.images).toHaveLength(250);
    expect(store.hasMore).toBe(false);
    expect(await store.loadMore()).toBe(false);
    expect(srv.gets).toEqual([
      '/api/projects/3/images?offset=0&limit=100',
      '/api/projects/3/images?offset=100&limit=100',
      '/api/projects/3/images?offset=200&limit=100',
    ]);
    // A reload (after the event stream broke) keeps as many as were shown.
    srv.gets.length = 0;
    await store.load();
    expect(store.images).toHaveLength(250);
    expect(srv.gets).toHaveLength(3);
  });

  it('follows an import live: queued, tiling with progress, ready', async () => {
    const srv = fakeServer(many(2));
    const store = new ImagesStore(srv.api, 3);
    await store.load();

    const fresh = imageFixture({ id: 3, state: 'queued', pyramid: null, tiles_count: 0, updated_at: '2026-11-27T05:00:00Z' });
    store.handleEvent(ev('image.updated', fresh));
    expect(store.images.map((i) => i.id)).toEqual([3, 2, 1]);
    expect(store.total).toBe(3);

    store.handleEvent(ev('image.updated', { ...fresh, state: 'tiling', updated_at: '2026-11-27T05:00:01Z' }));
    store.handleEvent(ev('image.progress', { image_id: 3, done: 2, total: 6 }));
    expect(store.byId(3)?.state).toBe('tiling');
    expect(store.progress[3]).toEqual({ image_id: 3, done: 2, total: 6 });
    expect(tilingFraction(store.byId(3)!, store.progress[3])).toBeCloseTo(1 / 3);

    store.handleEvent(ev('image.updated', { ...fresh, state: 'ready', tiles_count: 6, updated_at: '2026-11-27T05:00:02Z' }));
    expect(store.byId(3)).toMatchObject({ state: 'ready', tiles_count: 6 });
    expect(store.progress[3]).toBeUndefined();
    expect(store.total).toBe(3);
  });

  it('shows failures and missing files', async () => {
    const srv = fakeServer(many(1));
    const store = new ImagesStore(srv.api, 3);
    await store.load();
    const img = store.byId(1)!;
    store.handleEvent(ev('image.updated', { ...img, state: 'failed', error: 'tiff: unsupported compression', updated_at: '2026-11-27T06:00:00Z' }));
    expect(store.byId(1)).toMatchObject({ state: 'failed', error: 'tiff: unsupported compression' });
    store.handleEvent(ev('image.updated', { ...img, state: 'missing', updated_at: '2026-11-27T07:00:00Z' }));
    expect(store.byId(1)?.state).toBe('missing');
  });

  it('leaves an image of a page not read yet where it is, and counts only new ones', async () => {
    const srv = fakeServer(many(250));
    const store = new ImagesStore(srv.api, 3);
    await store.load();
    // Someone retries image 20 (on the third page): its update must not jump to the top.
    store.handleEvent(ev('image.updated', imageFixture({ id: 20, state: 'queued', updated_at: '2026-11-27T05:00:00Z' })));
    expect(store.byId(20)).toBeUndefined();
    expect(store.total).toBe(250);
    await store.loadMore();
    // The next page follows on from the first: nothing skipped, nothing twice.
    expect(store.images.map((i) => i.id)).toEqual(Array.from({ length: 200 }, (_, i) => 250 - i));

    // An image imported now is new: first, and counted.
    const fresh = imageFixture({ id: 251, created_at: '2026-11-27T05:00:01Z', updated_at: '2026-11-27T05:00:01Z' });
    srv.rows.unshift(fresh);
    store.handleEvent(ev('image.updated', fresh));
    expect(store.images[0]?.id).toBe(251);
    expect(store.total).toBe(251);
    await store.loadMore();
    expect(store.images.map((i) => i.id)).toEqual(Array.from({ length: 251 }, (_, i) => 251 - i));
    expect(store.hasMore).toBe(false);
  });

  it('drops deleted images', async () => {
    const srv = fakeServer(many(3));
    const store = new ImagesStore(srv.api, 3);
    await store.load();
    store.handleEvent(ev('image.deleted', { image_id: 2 }));
    expect(store.images.map((i) => i.id)).toEqual([3, 1]);
    expect(store.total).toBe(2);
    store.handleEvent(ev('image.deleted', { image_id: 42 }));
    expect(store.total).toBe(2);
  });

  it('ignores other projects, other kinds and garbage', async () => {
    const srv = fakeServer(many(1));
    const store = new ImagesStore(srv.api, 3);
    await store.load();
    store.handleEvent(ev('image.updated', imageFixture({ id: 50, project_id: 4 }), 4));
    store.handleEvent(ev('image.updated', imageFixture({ id: 51, project_id: 4 }), undefined as unknown as number));
    store.handleEvent(ev('project.updated', imageFixture({ id: 52 })));
    store.handleEvent(ev('image.updated', { id: 'x' }));
    store.handleEvent(ev('image.deleted', null));
    store.handleEvent(ev('image.progress', { nope: 1 }));
    expect(store.images.map((i) => i.id)).toEqual([1]);
    expect(store.progress).toEqual({});
  });

  it('shows our own import at once and never lets it undo a later event', async () => {
    const srv = fakeServer([]);
    const store = new ImagesStore(srv.api, 3);
    await store.load();
    const queued = imageFixture({ id: 7, state: 'queued', updated_at: '2026-11-27T05:00:00.5Z' });
    // The events overtook the answer to the upload.
    store.handleEvent(ev('image.updated', { ...queued, state: 'ready', updated_at: '2026-11-27T05:00:00.75Z' }));
    store.applyImport({ imported: [queued], duplicates: [], failed: [] });
    expect(store.byId(7)?.state).toBe('ready');
    expect(store.total).toBe(1);

    store.applyImport({ imported: [imageFixture({ id: 8, state: 'queued' })], duplicates: [], failed: [] });
    expect(store.images.map((i) => i.id)).toEqual([8, 7]);
  });

  it('holds events that arrive while a load is in flight', async () => {
    const srv = fakeServer(many(1));
    const store = new ImagesStore(srv.api, 3);
    const open = srv.hold();
    const loading = store.load();
    // Tiling of a new image finishes while the list is on its way.
    srv.rows.unshift(imageFixture({ id: 2, state: 'queued', updated_at: '2026-11-27T05:00:00Z' }));
    store.handleEvent(ev('image.updated', imageFixture({ id: 2, state: 'ready', updated_at: '2026-11-27T05:00:03Z' })));
    open();
    await loading;
    expect(store.images.map((i) => [i.id, i.state])).toEqual([
      [2, 'ready'],
      [1, 'ready'],
    ]);
    expect(store.total).toBe(2);
  });

  it('keeps the error when loading fails', async () => {
    const api = new Client({
      fetch: async () => Response.json({ error: { code: 'forbidden', message: 'not your project' } }, { status: 403 }),
    });
    const store = new ImagesStore(api, 3);
    expect(await store.load()).toBe(false);
    expect(store.error).toBe('not your project');
    expect(store.loaded).toBe(false);
  });
});

describe('isStale', () => {
  it('orders copies by time, any fraction digits', () => {
    expect(timeKey('2026-11-27T05:00:00Z')).toBe(Date.parse('2026-11-27T05:00:00Z'));
    expect(timeKey('2026-11-27T05:00:00.123456789Z')).toBeCloseTo(Date.parse('2026-11-27T05:00:00Z') + 123.456789, 3);
    expect(timeKey('2026-11-27T06:00:00+01:00')).toBe(Date.parse('2026-11-27T05:00:00Z'));
    expect(timeKey('yesterday')).toBeNull();
    const a = imageFixture({ state: 'tiling', updated_at: '2026-11-27T05:00:00.9Z' });
    const b = imageFixture({ state: 'queued', updated_at: '2026-11-27T05:00:00.10000Z' });
    expect(isStale(a, b)).toBe(true);
    expect(isStale(b, a)).toBe(false);
  });

  it('falls back on the state order when the times tie', () => {
    const t = '2026-11-27T05:00:00Z';
    expect(isStale(imageFixture({ state: 'ready', updated_at: t }), imageFixture({ state: 'queued', updated_at: t }))).toBe(true);
    expect(isStale(imageFixture({ state: 'tiling', updated_at: t }), imageFixture({ state: 'failed', updated_at: t }))).toBe(false);
  });
});
