// Browser test of the Annotate step and the tile editor against the real
// server binary: define two classes in the Classes panel, upload a PNG made
// here, draw a polygon (class 1) and a brush stroke (class 2) on its first
// tile, see them saved and back after a reload, mark the tile complete, and
// read the pixels of the exported mask.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import pngjs from 'pngjs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifacts, Harness } from './harness';
import { png } from './png';

const h = new Harness();
let filesDir = '';


/** Soft blobs on a gradient: something to trace. */
function cells(x: number, y: number): [number, number, number] {
  const d = Math.hypot((x % 150) - 75, (y % 150) - 75);
  const v = d < 40 ? 200 : 60;
  return [v, Math.round((x / 600) * 120) + 40, Math.round((y / 400) * 120) + 60];
}

interface Vertex {
  x: number;
  y: number;
}

interface LabelJson {
  label_type: string;
  label_class: string | null;
  object_id: string;
  source: string;
  regions: Vertex[][];
}

interface TileLabels {
  tile: { id: number; name: string; width: number; height: number };
  labels: { completed_tasks: string[]; labels: LabelJson[] };
  revision: number;
  complete: boolean;
}

/** Where a tile-pixel point is on the page, from the view the stage reports. */
async function toPage(page: Page, p: Vertex): Promise<Vertex> {
  const stage = page.locator('.stage');
  const [s, tx, ty] = await Promise.all(['data-scale', 'data-tx', 'data-ty'].map(async (a) => Number(await stage.getAttribute(a))));
  const box = await page.locator('svg.overlay').boundingBox();
  if (!box || !s) throw new Error('no stage');
  return { x: box.x + (tx ?? 0) + p.x * s, y: box.y + (ty ?? 0) + p.y * s };
}

async function tileLabels(page: Page, tileId: number): Promise<TileLabels> {
  const res = await page.request.get(`${h.baseUrl}/api/tiles/${tileId}/labels`);
  expect(res.status()).toBe(200);
  return (await res.json()) as TileLabels;
}

function bounds(regions: Vertex[][]) {
  const pts = regions.flat();
  return {
    x0: Math.min(...pts.map((p) => p.x)),
    x1: Math.max(...pts.map((p) => p.x)),
    y0: Math.min(...pts.map((p) => p.y)),
    y1: Math.max(...pts.map((p) => p.y)),
  };
}

describe('annotation in the browser', () => {
  beforeAll(async () => {
    await h.start();
    filesDir = await mkdtemp(join(tmpdir(), 'tessera-e2e-files-'));
  }, 60_000);

  afterAll(async () => {
    await h.stop();
    if (filesDir) await rm(filesDir, { recursive: true, force: true });
  }, 30_000);

  it('defines classes, draws, saves, reloads and exports masks', async () => {
    const page = await h.newPage();
    await h.signIn(page);
    const created = await page.request.post(h.baseUrl + '/api/projects', { data: { name: 'Cells', description: 'e2e annotate' } });
    expect(created.status()).toBe(201);
    const id = ((await created.json()) as { id: number }).id;

    // ---- two classes through the Classes panel ----
    await page.goto(`${h.baseUrl}/#/projects/${id}/annotate`);
    const panel = page.locator('.classes-panel');
    await panel.getByText('Add the classes to label first').waitFor();
    for (const name of ['Cell', 'Nucleus']) {
      await panel.getByLabel('Class name', { exact: true }).fill(name);
      await panel.getByRole('button', { name: 'Add class' }).click();
    }
    await expect.poll(() => panel.locator('.class-row').count()).toBe(2);
    await panel.getByRole('button', { name: 'Save classes' }).click();
    await panel.getByText('Classes saved.').waitFor();
    const schema = (await (await page.request.get(`${h.baseUrl}/api/projects/${id}/schema`)).json()) as {
      label_class_groups: { group_classes: { name: string; human_name: string }[] }[];
    };
    expect(schema.label_class_groups.flatMap((g) => g.group_classes.map((c) => [c.name, c.human_name]))).toEqual([
      ['cell', 'Cell'],
      ['nucleus', 'Nucleus'],
    ]);

    // ---- an image of 600 × 400: two tiles of 512 ----
    await page.goto(`${h.baseUrl}/#/projects/${id}/images`);
    await page.getByText('No images yet').waitFor();
    await page.locator('[data-live=on]').waitFor({ timeout: 10_000 });
    const file = join(filesDir, 'cells.png');
    await writeFile(file, png(600, 400, cells));
    await page.getByLabel('Image files to upload').setInputFiles([file]);
    const card = page.locator('.image-card').filter({ hasText: 'cells.png' });
    await card.getByText('Ready', { exact: true }).waitFor({ timeout: 60_000 });
    await card.getByText('2 tiles', { exact: true }).waitFor();

    // ---- the Annotate step opens the first tile ----
    await page.goto(`${h.baseUrl}/#/projects/${id}/annotate`);
    const row = page.locator('.annotate-image').filter({ hasText: 'cells.png' });
    await row.getByText('0 of 2 tiles complete').waitFor();
    await row.getByRole('button', { name: 'Start annotating' }).click();
    await page.waitForURL(new RegExp(`#/projects/${id}/tiles/\\d+$`));
    const tileId = Number(/tiles\/(\d+)$/.exec(page.url())?.[1]);
    const img = page.locator('img.tile-image');
    await expect.poll(() => img.evaluate((el) => (el as HTMLImageElement).naturalWidth)).toBe(512);
    await page.getByRole('heading', { name: /^Tile / }).waitFor();
    await page.getByText('1 of 2', { exact: true }).waitFor();
    await expect.poll(async () => Number(await page.locator('.stage').getAttribute('data-scale'))).toBeGreaterThan(0.5);
    const labels = page.locator('svg.overlay g.label');

    // ---- a polygon of class 1, clicked ----
    await page.locator('.editor-hint').click(); // focus the page, not an input
    await page.keyboard.press('1');
    await page.keyboard.press('p');
    const square = [
      { x: 100, y: 100 },
      { x: 200, y: 100 },
      { x: 200, y: 200 },
      { x: 100, y: 200 },
    ];
    for (const v of square) {
      const q = await toPage(page, v);
      await page.mouse.click(q.x, q.y);
    }
    const first = await toPage(page, square[0]!);
    await page.mouse.click(first.x, first.y); // closes it
    await expect.poll(() => labels.count()).toBe(1);
    expect(await labels.first().getAttribute('data-class')).toBe('cell');

    // ---- a brush stroke of class 2, dragged ----
    await page.keyboard.press('2');
    await page.keyboard.press('b');
    const a = await toPage(page, { x: 300, y: 300 });
    const b = await toPage(page, { x: 420, y: 300 });
    await page.mouse.move(a.x, a.y);
    await page.mouse.down();
    await page.mouse.move(b.x, b.y, { steps: 12 });
    await page.mouse.up();
    await expect.poll(() => labels.count()).toBe(2);
    expect(await labels.nth(1).getAttribute('data-class')).toBe('nucleus');

    // Undo takes the stroke away, redo brings it back.
    await page.keyboard.press('Control+z');
    await expect.poll(() => labels.count()).toBe(1);
    await page.keyboard.press('Control+Shift+z');
    await expect.poll(() => labels.count()).toBe(2);

    const saveState = page.locator('.save-state');
    await expect.poll(async () => (await tileLabels(page, tileId)).labels.labels.length, { timeout: 10_000 }).toBe(2);
    await expect.poll(() => saveState.textContent().then((t) => t?.trim())).toBe('Saved');

    // ---- after a reload both are there ----
    await page.reload();
    await expect.poll(() => labels.count(), { timeout: 10_000 }).toBe(2);
    const got = await tileLabels(page, tileId);
    const [poly, brush] = got.labels.labels;
    expect(poly).toMatchObject({ label_type: 'polygon', label_class: 'cell', source: 'manual' });
    expect(poly!.regions).toHaveLength(1);
    expect(poly!.regions[0]).toHaveLength(4);
    poly!.regions[0]!.forEach((v, i) => {
      expect(Math.abs(v.x - square[i]!.x)).toBeLessThan(1.5);
      expect(Math.abs(v.y - square[i]!.y)).toBeLessThan(1.5);
    });
    expect(brush).toMatchObject({ label_type: 'polygon', label_class: 'nucleus', source: 'manual' });
    expect(typeof brush!.object_id).toBe('string');
    const bb = bounds(brush!.regions);
    expect(bb.x0).toBeGreaterThan(280);
    expect(bb.x0).toBeLessThan(295);
    expect(bb.x1).toBeGreaterThan(425);
    expect(bb.x1).toBeLessThan(440);
    expect(bb.y0).toBeGreaterThan(280);
    expect(bb.y1).toBeLessThan(320);

    // ---- mark it complete ----
    await page.getByLabel('Mark tile complete').check();
    await expect.poll(async () => (await tileLabels(page, tileId)).complete, { timeout: 10_000 }).toBe(true);
    expect((await tileLabels(page, tileId)).labels.completed_tasks).toContain('finished');
    await expect.poll(() => saveState.textContent().then((t) => t?.trim())).toBe('Saved');
    await mkdir(artifacts, { recursive: true });
    await page.screenshot({ path: join(artifacts, 'editor.png'), fullPage: true });

    // ---- the mask export, per tile ----
    const res = await page.request.get(`${h.baseUrl}/api/projects/${id}/export?format=masks&per=tile`);
    expect(res.status()).toBe(200);
    expect(res.headers()['content-type']).toContain('zip');
    const entries = unzipSync(new Uint8Array(await res.body()));
    const names = Object.keys(entries).filter((n) => n.toLowerCase().endsWith('.png'));
    const tileName = got.tile.name;
    const ours = names.filter((n) => n.startsWith('masks/') && n.includes(tileName));
    expect(ours, `PNGs in the zip: ${names.join(', ')}`).toHaveLength(1);
    const mask = pngjs.PNG.sync.read(Buffer.from(entries[ours[0]!]!));
    expect([mask.width, mask.height]).toEqual([got.tile.width, got.tile.height]);
    // pngjs gives RGBA whatever the file's colour type: the class is in R.
    const at = (x: number, y: number) => mask.data[(y * mask.width + x) * 4] ?? -1;
    expect(at(150, 150)).toBe(1);
    expect(at(105, 195)).toBe(1);
    expect(at(360, 300)).toBe(2);
    expect(at(300, 300)).toBe(2);
    expect(at(480, 50)).toBe(0);
    expect(at(250, 150)).toBe(0);

    // The Annotate step counts the tile as complete.
    await page.goto(`${h.baseUrl}/#/projects/${id}/annotate`);
    await page.locator('.annotate-image').filter({ hasText: 'cells.png' }).getByText('1 of 2 tiles complete').waitFor();
    await page.locator('.progress-panel').getByText('Nucleus').waitFor();
    await page.screenshot({ path: join(artifacts, 'annotate.png'), fullPage: true });

    expect(h.pageErrors).toEqual([]);
  });

  it('edits holes and vertices, erases, and follows another editor', async () => {
    const page = await h.newPage();
    await h.signIn(page);
    const created = await page.request.post(h.baseUrl + '/api/projects', { data: { name: 'Edits', description: '' } });
    const id = ((await created.json()) as { id: number }).id;
    const put = await page.request.put(`${h.baseUrl}/api/projects/${id}/schema`, {
      data: {
        colour_schemes: [],
        label_class_groups: [{ group_name: 'G', group_classes: [{ name: 'cell', human_name: 'Cell', colours: { default: [255, 0, 0] } }] }],
      },
    });
    expect(put.status()).toBe(200);
    const up = await page.request.post(`${h.baseUrl}/api/projects/${id}/images?name=small.png`, {
      data: png(400, 300, cells),
      headers: { 'Content-Type': 'application/octet-stream' },
    });
    expect(up.status()).toBeLessThan(300);
    let imageId = 0;
    await expect
      .poll(
        async () => {
          const r = (await (await page.request.get(`${h.baseUrl}/api/projects/${id}/images`)).json()) as { images: { id: number; state: string }[] };
          imageId = r.images[0]?.id ?? 0;
          return r.images[0]?.state;
        },
        { timeout: 60_000 },
      )
      .toBe('ready');
    const tiles = (await (await page.request.get(`${h.baseUrl}/api/images/${imageId}/tiles`)).json()) as { tiles: { id: number }[] };
    const tileId = tiles.tiles[0]!.id;

    await page.goto(`${h.baseUrl}/#/projects/${id}/tiles/${tileId}`);
    await page.locator('[data-live=on]').waitFor({ timeout: 10_000 });
    await expect.poll(() => page.locator('img.tile-image').evaluate((el) => (el as HTMLImageElement).naturalWidth)).toBe(400);
    await expect.poll(async () => Number(await page.locator('.stage').getAttribute('data-scale'))).toBeGreaterThan(0.5);
    const labels = page.locator('svg.overlay g.label');
    const click = async (p: Vertex, opts: { modifiers?: ('Shift' | 'Alt')[] } = {}) => {
      const q = await toPage(page, p);
      if (opts.modifiers?.includes('Shift')) await page.keyboard.down('Shift');
      await page.mouse.click(q.x, q.y);
      if (opts.modifiers?.includes('Shift')) await page.keyboard.up('Shift');
    };
    const saved = async (n: number) => {
      await expect.poll(async () => (await tileLabels(page, tileId)).labels.labels.length, { timeout: 10_000 }).toBe(n);
      await expect.poll(() => page.locator('.save-state').textContent().then((t) => t?.trim())).toBe('Saved');
    };

    // A square, then a square inside it started with Shift: a hole in the same label.
    await page.locator('.editor-hint').click();
    await page.keyboard.press('p');
    for (const v of [{ x: 50, y: 50 }, { x: 250, y: 50 }, { x: 250, y: 250 }, { x: 50, y: 250 }]) await click(v);
    await page.keyboard.press('Enter');
    await expect.poll(() => labels.count()).toBe(1);
    await click({ x: 120, y: 120 }, { modifiers: ['Shift'] });
    for (const v of [{ x: 180, y: 120 }, { x: 180, y: 180 }, { x: 120, y: 180 }]) await click(v);
    await page.keyboard.press('Enter');
    await expect.poll(() => labels.count()).toBe(1);
    await saved(1);
    expect((await tileLabels(page, tileId)).labels.labels[0]!.regions).toHaveLength(2);

    // Select: the hole is not the label; the ring is. Drag a corner.
    await page.keyboard.press('v');
    await click({ x: 150, y: 150 });
    await expect.poll(() => page.locator('.selected-label').count()).toBe(0);
    await click({ x: 70, y: 150 });
    await page.locator('.selected-label').waitFor();
    const from = await toPage(page, { x: 50, y: 50 });
    const to = await toPage(page, { x: 30, y: 40 });
    await page.mouse.move(from.x, from.y);
    await page.mouse.down();
    await page.mouse.move(to.x, to.y, { steps: 5 });
    await page.mouse.up();
    await expect
      .poll(async () => {
        const v = (await tileLabels(page, tileId)).labels.labels[0]!.regions[0]![0]!;
        return Math.abs(v.x - 30) < 1.5 && Math.abs(v.y - 40) < 1.5;
      })
      .toBe(true);

    // The eraser cuts the right side off the ring: still one label, changed.
    await page.keyboard.press('e');
    const e0 = await toPage(page, { x: 240, y: 20 });
    const e1 = await toPage(page, { x: 240, y: 280 });
    await page.mouse.move(e0.x, e0.y);
    await page.mouse.down();
    await page.mouse.move(e1.x, e1.y, { steps: 10 });
    await page.mouse.up();
    await expect
      .poll(async () => Math.max(...(await tileLabels(page, tileId)).labels.labels[0]!.regions.flat().map((v) => v.x)), { timeout: 10_000 })
      .toBeLessThan(235);
    await saved(1);

    // Another editor saves this tile while this page has no edits of its
    // own: the page shows their version, with no question to answer.
    const cur = await tileLabels(page, tileId);
    const other = await page.request.put(`${h.baseUrl}/api/tiles/${tileId}/labels`, {
      data: { labels: { ...cur.labels, labels: [] }, base_revision: cur.revision, edit_seconds: 0 },
    });
    expect(other.status()).toBe(200);
    await expect.poll(() => labels.count()).toBe(0);
    expect(await page.getByText('saved a newer version of this tile').count()).toBe(0);
    expect((await tileLabels(page, tileId)).labels.labels).toHaveLength(0);

    expect(h.pageErrors).toEqual([]);
  });
});
