import { describe, expect, it } from 'vitest';
import { ApiError, type ImportResult } from '../lib/api';
import { imageFixture } from './fixtures';
import { overall, summarizeResult, summarizeUploads, UploadQueue, type Transport, type Upload } from './uploads';

interface FakeFile {
  name: string;
  size: number;
}

/** A transport whose uploads the test finishes by hand. */
function manualTransport() {
  const open: {
    file: FakeFile;
    progress: (n: number) => void;
    resolve: (r: ImportResult) => void;
    reject: (e: unknown) => void;
  }[] = [];
  let maxRunning = 0;
  const transport: Transport<FakeFile> = (file, progress) =>
    new Promise<ImportResult>((resolve, reject) => {
      const entry = { file, progress, resolve, reject };
      open.push(entry);
      maxRunning = Math.max(maxRunning, open.length);
      const done = () => open.splice(open.indexOf(entry), 1);
      entry.resolve = (r) => {
        done();
        resolve(r);
      };
      entry.reject = (e) => {
        done();
        reject(e);
      };
    });
  return { transport, open, maxRunning: () => maxRunning };
}

const ok = (id: number): ImportResult => ({ imported: [imageFixture({ id, state: 'queued' })], duplicates: [], failed: [] });
const flush = () => new Promise((r) => setTimeout(r, 0));

function files(n: number): FakeFile[] {
  return Array.from({ length: n }, (_, i) => ({ name: `f${i}.png`, size: 100 * (i + 1) }));
}

describe('UploadQueue', () => {
  it('sends two files at a time, in order', async () => {
    const t = manualTransport();
    const q = new UploadQueue(t.transport);
    q.add(files(5));
    await flush();
    expect(t.open.map((o) => o.file.name)).toEqual(['f0.png', 'f1.png']);
    expect(q.items.map((u) => u.state)).toEqual(['uploading', 'uploading', 'waiting', 'waiting', 'waiting']);

    t.open[1]!.resolve(ok(2));
    await flush();
    expect(t.open.map((o) => o.file.name)).toEqual(['f0.png', 'f2.png']);
    while (t.open.length > 0) {
      t.open[0]!.resolve(ok(1));
      await flush();
    }
    await q.idle();
    expect(t.maxRunning()).toBe(2);
    expect(q.items.every((u) => u.state === 'done' && u.outcome === 'imported')).toBe(true);
    expect(q.busy()).toBe(false);
  });

  it('keeps going after a file fails, and says why it failed', async () => {
    const results: ImportResult[] = [];
    const t = manualTransport();
    const q = new UploadQueue(t.transport, { onResult: (r) => results.push(r) });
    q.add(files(4));
    await flush();
    t.open[0]!.reject(new ApiError('too_large', 'the file is over the 2 GB limit', 413));
    await flush();
    t.open[0]!.resolve({ imported: [], duplicates: [], failed: [{ path: 'f1.png', error: 'not an image: unknown format' }] });
    await flush();
    t.open[0]!.reject(new Error('boom'));
    await flush();
    t.open[0]!.resolve({ imported: [], duplicates: [{ path: 'f3.png', image_id: 8 }], failed: [] });
    await q.idle();

    const items = q.items;
    expect(items.map((u) => [u.state, u.outcome, u.error])).toEqual([
      ['failed', null, 'the file is over the 2 GB limit'],
      ['failed', null, 'not an image: unknown format'],
      ['failed', null, 'boom'],
      ['done', 'duplicate', null],
    ]);
    expect(results).toHaveLength(2);
    expect(summarizeUploads(items)).toEqual({
      imported: 0,
      duplicates: [{ path: 'f3.png', image_id: 8 }],
      failed: [
        { path: 'f0.png', error: 'the file is over the 2 GB limit' },
        { path: 'f1.png', error: 'not an image: unknown format' },
        { path: 'f2.png', error: 'boom' },
      ],
    });
  });

  it('survives a transport that throws at once', async () => {
    const q = new UploadQueue<FakeFile>(() => {
      throw new Error('no network stack');
    });
    q.add(files(3));
    await q.idle();
    expect(q.items.map((u) => u.state)).toEqual(['failed', 'failed', 'failed']);
  });

  it('reports progress and the overall fraction', async () => {
    const t = manualTransport();
    const seen: Upload[][] = [];
    const q = new UploadQueue(t.transport, { onChange: (items) => seen.push(items) });
    q.add([
      { name: 'a.png', size: 1000 },
      { name: 'b.png', size: 3000 },
    ]);
    await flush();
    t.open[0]!.progress(500);
    t.open[1]!.progress(99999); // never more than the file
    expect(q.items.map((u) => u.loaded)).toEqual([500, 3000]);
    expect(overall(q.items)).toMatchObject({ count: 2, finished: 0, loaded: 3500, total: 4000, fraction: 3500 / 4000 });

    t.open[0]!.reject(new Error('x'));
    await flush();
    expect(overall(q.items)).toMatchObject({ finished: 1, failed: 1, loaded: 4000 });
    // Each change hands out a copy: older snapshots stay as they were.
    expect(seen[0]!.map((u) => u.state)).toEqual(['waiting', 'waiting']);
  });

  it('forgets finished uploads on request', async () => {
    const t = manualTransport();
    const q = new UploadQueue(t.transport, { concurrency: 1 });
    q.add(files(2));
    await flush();
    t.open[0]!.resolve(ok(1));
    await flush();
    q.clearFinished();
    expect(q.items.map((u) => u.name)).toEqual(['f1.png']);
  });

  it('sums up each batch on its own: a new batch forgets the last one’s failures', async () => {
    const t = manualTransport();
    const q = new UploadQueue(t.transport, { concurrency: 2 });
    q.add([{ name: 'bad.png', size: 1 }, { name: 'a.png', size: 1 }]);
    await flush();
    t.open[0]!.reject(new ApiError('invalid', 'not an image', 400));
    t.open[0]!.resolve(ok(1));
    await q.idle();
    expect(summarizeUploads(q.items).failed).toEqual([{ path: 'bad.png', error: 'not an image' }]);

    q.add([{ name: 'b.png', size: 1 }]);
    // Added while b.png is going: the same batch.
    q.add([{ name: 'c.png', size: 1 }]);
    await flush();
    t.open[0]!.resolve(ok(2));
    t.open[0]!.resolve(ok(3));
    await q.idle();
    expect(q.items.map((u) => u.name)).toEqual(['b.png', 'c.png']);
    expect(summarizeUploads(q.items)).toEqual({ imported: 2, duplicates: [], failed: [] });
  });

  it('is idle at once when empty', async () => {
    const q = new UploadQueue<FakeFile>(() => Promise.resolve(ok(1)));
    await expect(q.idle()).resolves.toBeUndefined();
    expect(overall([])).toMatchObject({ count: 0, fraction: 1 });
  });
});

describe('summarizeResult', () => {
  it('counts what a path import did', () => {
    const r: ImportResult = {
      imported: [imageFixture({ id: 1 }), imageFixture({ id: 2 })],
      duplicates: [{ path: '/x/a.png', image_id: 9 }],
      failed: [{ path: '/x/b.txt', error: 'not an image' }],
    };
    expect(summarizeResult(r)).toEqual({ imported: 2, duplicates: r.duplicates, failed: r.failed });
  });
});
