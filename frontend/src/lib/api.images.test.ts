import { describe, expect, it, vi } from 'vitest';
import { imageFixture, tilesFixture } from '../images/fixtures';
import {
  ApiError,
  Client,
  decodeImage,
  decodeImageProgress,
  decodeImportResult,
  type Fetch,
} from './api';

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

function stub(respond: (url: string, init?: RequestInit) => Response) {
  const calls: { url: string; method: string; body: unknown }[] = [];
  const fetch: Fetch = async (url, init) => {
    calls.push({ url, method: init?.method ?? 'GET', body: init?.body });
    return respond(url, init);
  };
  return { calls, api: new Client({ fetch }) };
}

describe('retrying a failed image', () => {
  it('posts to the image and reads it back queued', async () => {
    const { calls, api } = stub(() => json(200, imageFixture({ id: 7, state: 'queued', pyramid: null })));
    const img = await api.retryImage(7);
    expect(calls).toEqual([{ url: '/api/images/7/retry', method: 'POST', body: undefined }]);
    expect(img.state).toBe('queued');
  });
});

describe('deleting an image', () => {
  it('sends DELETE to the image and reports a refusal', async () => {
    const { calls, api } = stub(() => new Response(null, { status: 204 }));
    await api.deleteImage(7);
    expect(calls).toEqual([{ url: '/api/images/7', method: 'DELETE', body: undefined }]);
    const refused = stub(() => json(403, { error: { code: 'forbidden', message: 'a student may not delete images' } }));
    await expect(refused.api.deleteImage(7)).rejects.toMatchObject({ code: 'forbidden', message: 'a student may not delete images' });
  });
});

describe('image decoding', () => {
  it('accepts an image as the API sends it', () => {
    const img = imageFixture();
    expect(decodeImage(JSON.parse(JSON.stringify(img)))).toEqual(img);
    expect(decodeImage({ ...img, pyramid: null }).pyramid).toBeNull();
    expect(decodeImage({ ...img, state: 'failed', error: 'not an image' })).toMatchObject({
      state: 'failed',
      error: 'not an image',
    });
  });

  it('rejects images that break the contract', () => {
    const img = imageFixture();
    for (const broken of [
      { ...img, id: '1' },
      { ...img, state: 'done' },
      { ...img, format: 'gif' },
      { ...img, width: null },
      { ...img, pyramid: { tile_size: 256, levels: 0, format: 'jpg' } },
      { ...img, pyramid: { tile_size: 256, levels: 3, format: 'png' } },
      { ...img, name: undefined },
      [img],
    ]) {
      expect(() => decodeImage(broken)).toThrow(ApiError);
    }
  });

  it('reads import results, null lists as empty', () => {
    const img = imageFixture({ state: 'queued', pyramid: null });
    expect(
      decodeImportResult({
        result: {
          imported: [img],
          duplicates: [{ path: '/a/b.png', image_id: 4 }],
          failed: [{ path: '/a/c.txt', error: 'not an image' }],
        },
      }),
    ).toEqual({
      imported: [img],
      duplicates: [{ path: '/a/b.png', image_id: 4 }],
      failed: [{ path: '/a/c.txt', error: 'not an image' }],
    });
    expect(decodeImportResult({ result: { imported: null, duplicates: null, failed: null } })).toEqual({
      imported: [],
      duplicates: [],
      failed: [],
    });
    expect(() => decodeImportResult({ imported: [] })).toThrow(ApiError);
    expect(() => decodeImportResult({ result: { failed: [{ path: 1 }] } })).toThrow(ApiError);
  });

  it('reads progress events and ignores anything else', () => {
    expect(decodeImageProgress({ image_id: 2, done: 3, total: 6 })).toEqual({ image_id: 2, done: 3, total: 6 });
    expect(decodeImageProgress({ image_id: 2, done: '3', total: 6 })).toBeNull();
    expect(decodeImageProgress(null)).toBeNull();
  });
});

describe('image requests', () => {
  it('lists a page of images', async () => {
    const img = imageFixture();
    const s = stub(() => json(200, { images: [img], total: 250 }));
    await expect(s.api.listImages(3, 100, 100)).resolves.toEqual({ images: [img], total: 250 });
    expect(s.calls[0]).toMatchObject({ url: '/api/projects/3/images?offset=100&limit=100', method: 'GET' });
    const empty = stub(() => json(200, { images: null, total: 0 }));
    await expect(empty.api.listImages(3)).resolves.toEqual({ images: [], total: 0 });
    expect(empty.calls[0]!.url).toBe('/api/projects/3/images?offset=0&limit=100');
  });

  it('gets an image and a tile', async () => {
    const img = imageFixture({ id: 9 });
    const tile = tilesFixture(1300, 900, 512, 9)[4]!;
    const s = stub((url) => (url.startsWith('/api/images/') ? json(200, img) : json(200, tile)));
    await expect(s.api.getImage(9)).resolves.toEqual(img);
    await expect(s.api.getTile(tile.id)).resolves.toEqual(tile);
    expect(s.calls.map((c) => c.url)).toEqual(['/api/images/9', `/api/tiles/${tile.id}`]);
  });

  it('reads every page of tiles', async () => {
    const all = tilesFixture(20000, 15000, 512, 5);
    expect(all).toHaveLength(40 * 30);
    const s = stub((url) => {
      const q = new URL(url, 'http://x').searchParams;
      const off = Number(q.get('offset'));
      const lim = Number(q.get('limit'));
      return json(200, { tiles: all.slice(off, off + lim), total: all.length });
    });
    await expect(s.api.allTiles(5, 500)).resolves.toEqual(all);
    expect(s.calls.map((c) => c.url)).toEqual([
      '/api/images/5/tiles?offset=0&limit=500',
      '/api/images/5/tiles?offset=500&limit=500',
      '/api/images/5/tiles?offset=1000&limit=500',
    ]);
  });

  it('stops reading tiles when a page comes back empty', async () => {
    const s = stub(() => json(200, { tiles: null, total: 10 }));
    await expect(s.api.allTiles(5)).resolves.toEqual([]);
    expect(s.calls).toHaveLength(1);
  });

  it('imports paths as JSON and reads the result', async () => {
    const img = imageFixture({ state: 'queued', pyramid: null });
    const s = stub(() => json(202, { result: { imported: [img], duplicates: [], failed: [] } }));
    const r = await s.api.importPaths(3, ['/home/me/a.png']);
    expect(r.imported).toEqual([img]);
    expect(s.calls[0]).toMatchObject({ url: '/api/projects/3/images/import-paths', method: 'POST' });
    expect(JSON.parse(s.calls[0]!.body as string)).toEqual({ paths: ['/home/me/a.png'] });
  });

  it('says forbidden when the server refuses path imports', async () => {
    const s = stub(() => json(403, { error: { code: 'forbidden', message: 'path imports are for the desktop app' } }));
    await expect(s.api.importPaths(3, ['/etc/passwd'])).rejects.toMatchObject({
      code: 'forbidden',
      message: 'path imports are for the desktop app',
    });
  });

  it('builds the image URLs', () => {
    const api = new Client({ baseUrl: '' });
    expect(api.uploadUrl(3, 'my slide #1 (é).tif')).toBe(
      '/api/projects/3/images?name=my%20slide%20%231%20(%C3%A9).tif',
    );
    expect(api.thumbnailUrl(7)).toBe('/api/images/7/thumbnail');
    expect(api.pyramidTileUrl(7, 3, 2, 1)).toBe('/api/images/7/pyramid/3/2_1.jpg');
    expect(api.tileImageUrl(12)).toBe('/api/tiles/12/image');
  });

  it('reports a failure from outside request() like any other', () => {
    const onUnauthorized = vi.fn();
    const api = new Client({ onUnauthorized });
    const tooBig = api.failure(413, 'Payload Too Large', '{"error":{"code":"too_large","message":"the file is over 2 GB"}}');
    expect(tooBig).toMatchObject({ code: 'too_large', status: 413, message: 'the file is over 2 GB' });
    expect(onUnauthorized).not.toHaveBeenCalled();
    api.failure(401, '', '');
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
  });
});
