// Browser test of the Images step against the real server binary: upload a
// PNG made here (and a broken file beside it), watch it become ready with its
// tiles, zoom it in the viewer with the tile grid on top, open a tile in the
// annotation editor.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page, Response } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifacts, Harness } from './harness';
import { png } from './png';

const h = new Harness();
let filesDir = '';


/** Gradients with a 100 px checkerboard, so each tile looks different. */
function pattern(x: number, y: number): [number, number, number] {
  const check = (Math.floor(x / 100) + Math.floor(y / 100)) % 2 === 0;
  return [Math.round((x / 1300) * 255), Math.round((y / 900) * 255), check ? 220 : 40];
}

async function createProject(page: Page, name: string): Promise<number> {
  // page.request shares the signed-in browser's cookies.
  const res = await page.request.post(h.baseUrl + '/api/projects', { data: { name, description: 'e2e images' } });
  expect(res.status()).toBe(201);
  const body = (await res.json()) as { id: number };
  return body.id;
}

/** Waits until a locator's box stops moving (the viewer animates to its home view). */
async function steadyBox(page: Page, selector: string) {
  let last = '';
  for (let i = 0; i < 50; i++) {
    const box = await page.locator(selector).first().boundingBox();
    const now = JSON.stringify(box);
    if (box && now === last) return box;
    last = now;
    await page.waitForTimeout(150);
  }
  throw new Error(`${selector} never stood still`);
}

describe('images in the browser', () => {
  beforeAll(async () => {
    await h.start();
    filesDir = await mkdtemp(join(tmpdir(), 'tessera-e2e-files-'));
  }, 60_000);

  afterAll(async () => {
    await h.stop();
    if (filesDir) await rm(filesDir, { recursive: true, force: true });
  }, 30_000);

  it('uploads, tiles, zooms and opens a tile', async () => {
    const page = await h.newPage();
    const pyramid: Response[] = [];
    const strays: string[] = [];
    page.on('response', (r) => {
      if (r.url().includes('/pyramid/')) pyramid.push(r);
      // Anything outside the API that fails: OpenSeadragon's stock button
      // images (prefixUrl) would show up here.
      if (!r.url().includes('/api/') && r.status() >= 400) strays.push(`${r.status()} ${r.url()}`);
    });
    page.on('requestfailed', (r) => {
      if (!r.url().includes('/api/')) strays.push(`failed ${r.url()}`);
    });
    await h.signIn(page);
    const id = await createProject(page, 'Slides');

    await page.goto(`${h.baseUrl}/#/projects/${id}/images`);
    await page.getByText('No images yet').waitFor();
    // Live events must flow before the upload, or the states could be missed.
    await page.locator('[data-live=on]').waitFor({ timeout: 10_000 });

    const good = join(filesDir, 'pattern.png');
    const bad = join(filesDir, 'notes.png');
    await writeFile(good, png(1300, 900, pattern));
    await writeFile(bad, 'this is not an image at all\n');
    await page.getByLabel('Image files to upload').setInputFiles([bad, good]);

    // The broken file fails with the server's reason (said once, in the
    // batch's summary); the good one goes on.
    const failedRow = page.getByRole('list', { name: 'Failed files' }).getByRole('listitem').filter({ hasText: 'notes.png' });
    await failedRow.waitFor();
    expect((await failedRow.locator('.error-text').textContent())?.trim()).not.toBe('');

    const card = page.locator('.image-card').filter({ hasText: 'pattern.png' });
    await card.getByText('Ready', { exact: true }).waitFor({ timeout: 60_000 });
    await card.getByText('6 tiles', { exact: true }).waitFor();
    await card.getByText('1300 × 900').waitFor();
    const summary = page.getByRole('status', { name: 'Import summary' });
    await summary.getByText('Imported 1 image').waitFor();
    await summary.getByText('1 failed', { exact: true }).waitFor();
    await expect.poll(() => card.locator('.thumb img').evaluate((el) => (el as HTMLImageElement).naturalWidth)).toBeGreaterThan(0);

    // Drag and drop: the same image again (a duplicate) and a small new one.
    const dropped = await page.evaluateHandle(
      ([a, b]) => {
        const dt = new DataTransfer();
        const bytes = (s: string) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
        dt.items.add(new File([bytes(a)], 'pattern.png', { type: 'image/png' }));
        dt.items.add(new File([bytes(b)], 'small.png', { type: 'image/png' }));
        return dt;
      },
      [(await readFile(good)).toString('base64'), png(700, 500, pattern).toString('base64')] as const,
    );
    await page.dispatchEvent('.images-page', 'dragenter', { dataTransfer: dropped });
    await page.locator('.drop-hint').waitFor();
    await page.dispatchEvent('.images-page', 'dragover', { dataTransfer: dropped });
    await page.dispatchEvent('.images-page', 'drop', { dataTransfer: dropped });
    await page.locator('.drop-hint').waitFor({ state: 'detached' });
    const small = page.locator('.image-card').filter({ hasText: 'small.png' });
    await small.getByText('Ready', { exact: true }).waitFor({ timeout: 60_000 });
    await small.getByText('2 tiles', { exact: true }).waitFor();
    // Each batch has its summary: this one imported one image, skipped one.
    await summary.getByText('Imported 1 image').waitFor();
    await summary.getByText('1 duplicate skipped').waitFor();
    expect(await summary.getByText('1 failed', { exact: true }).count()).toBe(0);
    expect(await page.locator('.image-card').count()).toBe(2);
    await mkdir(artifacts, { recursive: true });
    await page.screenshot({ path: join(artifacts, 'images.png'), fullPage: true });

    // The viewer: the pyramid loads and the 3 × 2 grid lies over it.
    await card.getByRole('link', { name: 'pattern.png' }).click();
    await page.waitForURL(new RegExp(`#/projects/${id}/images/\\d+$`));
    await page.getByRole('heading', { name: 'pattern.png', level: 1 }).waitFor();
    await page.getByText('512 px, overlap 0 px').waitFor();
    await page.getByText('8-bit, 3 channels').waitFor();
    await page.getByText('2 rows × 3 columns').waitFor();
    const outlines = page.locator('svg.tile-grid rect.tile-outline');
    await expect.poll(() => outlines.count()).toBe(6);
    await expect.poll(() => pyramid.length, { timeout: 10_000 }).toBeGreaterThan(0);
    // The canvas shows the image: many colours, not one background.
    await expect
      .poll(() =>
        page.locator('.osd canvas').first().evaluate((c) => {
          const canvas = c as HTMLCanvasElement;
          const ctx = canvas.getContext('2d');
          if (!ctx || canvas.width === 0) return 0;
          const d = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
          const seen = new Set<number>();
          for (let i = 0; i < d.length; i += 4 * 97) seen.add(((d[i] ?? 0) >> 4) * 256 + ((d[i + 1] ?? 0) >> 4) * 16 + ((d[i + 2] ?? 0) >> 4));
          return seen.size;
        }),
      )
      .toBeGreaterThan(20);
    expect(pyramid.filter((r) => r.status() !== 200).map((r) => `${r.status()} ${r.url()}`)).toEqual([]);

    // The grid follows the zoom.
    const before = await steadyBox(page, 'svg.tile-grid rect.tile-outline');
    await page.getByRole('button', { name: 'Zoom in' }).click();
    const after = await steadyBox(page, 'svg.tile-grid rect.tile-outline');
    expect(after.width).toBeGreaterThan(before.width * 1.3);
    await page.getByRole('button', { name: 'Whole image' }).click();
    await steadyBox(page, 'svg.tile-grid rect.tile-outline');

    // The toggle hides and shows the grid.
    await page.getByLabel('Show tile grid').uncheck();
    await expect.poll(() => outlines.count()).toBe(0);
    await page.getByLabel('Show tile grid').check();
    await expect.poll(() => outlines.count()).toBe(6);
    await page.screenshot({ path: join(artifacts, 'viewer.png'), fullPage: true });

    // Hover the middle tile of the bottom row (row 1, col 1), then click it.
    const box = await steadyBox(page, 'svg.tile-grid rect.tile-outline >> nth=4');
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.locator('svg.tile-grid rect.tile-hover').waitFor();
    await page.getByText('Tile row 1, column 1').waitFor();
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);

    // The tile opens in the annotation editor.
    await page.waitForURL(new RegExp(`#/projects/${id}/tiles/\\d+$`));
    const img = page.locator('img.tile-image');
    await img.waitFor();
    await expect.poll(() => img.evaluate((el) => (el as HTMLImageElement).naturalWidth)).toBe(512);
    await expect.poll(() => img.evaluate((el) => (el as HTMLImageElement).naturalHeight)).toBe(388);
    await page.getByText('5 of 6').waitFor();
    // Its neighbours are drawn around it, dimmed.
    await expect.poll(() => page.locator('img.context-tile').count()).toBe(5);
    await page.getByText('This project has no label classes yet.').waitFor();
    await page.screenshot({ path: join(artifacts, 'tile.png'), fullPage: true });

    await page.getByRole('link', { name: 'Next tile →' }).click();
    await page.getByText('6 of 6').waitFor();
    await expect.poll(() => img.evaluate((el) => (el as HTMLImageElement).naturalWidth)).toBe(276);
    await page.locator('.crumb').getByRole('link', { name: 'pattern.png' }).click();
    await page.waitForURL(new RegExp(`#/projects/${id}/images/\\d+$`));
    await expect.poll(() => outlines.count()).toBe(6);

    expect(strays).toEqual([]);
    expect(h.pageErrors).toEqual([]);
  });
});
