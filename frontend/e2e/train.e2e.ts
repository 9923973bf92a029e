// Browser test of the training screens against the real server binary and
// the agent's fake trainer (built here): a project with two complete
// tiles, a run of 5 epochs started from the generated form, watched live
// (status, chart points arriving, log), its log and report downloaded, a
// second run of 3 epochs, and the two compared.
import { execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifacts, Harness } from './harness';
import { png } from './png';

const h = new Harness();
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
let binDir = '';

/** Soft blobs on a gradient. */
function cells(x: number, y: number): [number, number, number] {
  const d = Math.hypot((x % 150) - 75, (y % 150) - 75);
  const v = d < 40 ? 200 : 60;
  return [v, Math.round((x / 1100) * 120) + 40, Math.round((y / 600) * 120) + 60];
}

/**
 * The fake trainer prints all its epochs at once; this wrapper lets each
 * epoch's block through 0.6 s after the one before, so the page sees the
 * run progress (exit code kept).
 */
/** A trainer that fails the way a GPU out of memory does (exit code 3). */
const crashWrapper = `#!/bin/bash
"$(dirname "$0")/faketrainer" "$@" > /dev/null
echo "Traceback (most recent call last):" >&2
echo "RuntimeError: CUDA out of memory. Tried to allocate 2.00 GiB" >&2
exit 3
`;

/** A trainer that never ends by itself. */
const hangWrapper = `#!/bin/bash
echo "warming up"
exec sleep 300
`;

const slowWrapper = `#!/bin/bash
set -o pipefail
"$(dirname "$0")/faketrainer" "$@" | while IFS= read -r line; do
  case "$line" in "Epoch ["*) sleep 0.6 ;; esac
  printf '%s\\n' "$line"
done
`;

async function api<T>(page: Page, method: 'GET' | 'POST' | 'PUT', path: string, data?: unknown): Promise<T> {
  const res = await page.request.fetch(h.baseUrl + path, { method, data: data as never });
  expect(res.status(), `${method} ${path}: ${await res.text()}`).toBeLessThan(300);
  return (await res.json()) as T;
}

/** A project with one class and an 1100 × 600 image (3 × 2 tiles), 2 tiles labelled and complete. */
async function project(page: Page, name: string): Promise<number> {
  const { id } = await api<{ id: number }>(page, 'POST', '/api/projects', { name, description: 'e2e training' });
  await api(page, 'PUT', `/api/projects/${id}/schema`, {
    colour_schemes: [],
    label_class_groups: [{ group_name: 'G', group_classes: [{ name: 'cell', human_name: 'Cell', colours: { default: [230, 40, 40] } }] }],
  });
  const up = await page.request.post(`${h.baseUrl}/api/projects/${id}/images?name=leaves.png`, {
    data: png(1100, 600, cells),
    headers: { 'Content-Type': 'application/octet-stream' },
  });
  expect(up.status()).toBeLessThan(300);
  let imageId = 0;
  await expect
    .poll(
      async () => {
        const r = await api<{ images: { id: number; state: string }[] }>(page, 'GET', `/api/projects/${id}/images`);
        imageId = r.images[0]?.id ?? 0;
        return r.images[0]?.state;
      },
      { timeout: 60_000 },
    )
    .toBe('ready');
  const { tiles } = await api<{ tiles: { id: number; name: string }[] }>(page, 'GET', `/api/images/${imageId}/tiles`);
  expect(tiles).toHaveLength(6);
  for (const t of tiles.slice(0, 2)) {
    await api(page, 'PUT', `/api/tiles/${t.id}/labels`, {
      labels: {
        image_filename: t.name,
        completed_tasks: ['finished'],
        labels: [
          {
            label_type: 'polygon',
            label_class: 'cell',
            object_id: `c${t.id}`,
            source: 'manual',
            anno_data: {},
            regions: [[{ x: 40, y: 40 }, { x: 200, y: 40 }, { x: 200, y: 220 }, { x: 40, y: 220 }]],
          },
        ],
      },
      base_revision: 0,
      edit_seconds: 3,
    });
  }
  return id;
}

/** Chooses the local worker and the fake trainer on the Train step, and sets the epochs. */
async function newRun(page: Page, id: number, epochs: string) {
  await page.goto(`${h.baseUrl}/#/projects/${id}/train`);
  await page.locator('.worker-card[data-worker="worker:local"]').click();
  await page.getByLabel('Trainer', { exact: true }).selectOption('fake');
  await page.getByLabel('Epochs', { exact: true }).fill(epochs);
}

const start = (page: Page) => page.getByRole('button', { name: 'Start training' });

async function download(page: Page, click: () => Promise<void>): Promise<string> {
  const [dl] = await Promise.all([page.waitForEvent('download'), click()]);
  const path = await dl.path();
  return readFile(path, 'utf8');
}

describe('training in the browser', () => {
  beforeAll(async () => {
    binDir = await mkdtemp(join(tmpdir(), 'tessera-e2e-trainer-'));
    execFileSync('go', ['build', '-o', join(binDir, 'faketrainer'), './gpuagent/agent/testdata/faketrainer'], {
      cwd: repoRoot,
      stdio: 'inherit',
      env: { ...process.env, CGO_ENABLED: '0' },
    });
    const wrapper = join(binDir, 'fake');
    await writeFile(wrapper, slowWrapper);
    await chmod(wrapper, 0o755);
    const crash = join(binDir, 'crash');
    await writeFile(crash, crashWrapper);
    await chmod(crash, 0o755);
    const hang = join(binDir, 'hang');
    await writeFile(hang, hangWrapper);
    await chmod(hang, 0o755);
    await h.start(['--trainer', `fake=${wrapper}`, '--trainer', `crash=${crash}`, '--trainer', `hang=${hang}`]);
  }, 180_000);

  afterAll(async () => {
    await h.stop();
    if (binDir) await rm(binDir, { recursive: true, force: true });
  }, 30_000);

  it('starts a run from the generated form, watches it live, compares two runs and exports a report', async () => {
    const page = await h.newPage();
    await h.signIn(page);
    const id = await project(page, 'Leaves');
    await mkdir(artifacts, { recursive: true });

    // ---- the Train step ----
    await newRun(page, id, 'abc');
    await page.locator('.dataset-count').getByText('are complete').waitFor();
    await expect.poll(() => page.locator('.dataset-count .big').textContent()).toBe('2');
    // The form is the trainer's schema, with its help texts.
    await page.getByText('Number of complete passes through the training data').waitFor();
    await page.getByLabel('Batch Size', { exact: true }).waitFor();
    await page.getByLabel('Model Architecture', { exact: true }).waitFor();
    // The fake trainer's own defaults, not those of the trainer shown first.
    expect(await page.getByLabel('Batch Size', { exact: true }).inputValue()).toBe('8');
    expect(await page.getByLabel('Learning Rate', { exact: true }).inputValue()).toBe('0.001');
    // An invalid value shows beside its field, and the run cannot start.
    const epochsError = page.locator('[data-field=epochs] .field-error');
    await expect.poll(() => epochsError.textContent()).toBe('Epochs must be a whole number');
    expect(await start(page).isDisabled()).toBe(true);
    await page.getByLabel('Epochs', { exact: true }).fill('5');
    await epochsError.waitFor({ state: 'detached' });
    await page.getByLabel('Name (optional)').fill('Leaves, first tries');
    // The server checked the settings: ready.
    await page.locator('.start-summary').getByText('Ready.').waitFor();
    // It says how the tiles will split before the run starts, and that they are few.
    await expect.poll(() => page.getByTestId('split').textContent()).toMatch(/train the model.*check/);
    await page.getByText('Few tiles: the scores will swing').waitFor();
    await page.screenshot({ path: join(artifacts, 'train.png'), fullPage: true });

    // ---- start: the monitor of the run ----
    await start(page).click();
    await page.waitForURL(/#\/projects\/\d+\/jobs\/[0-9a-f-]+$/);
    const firstId = /jobs\/([0-9a-f-]+)$/.exec(page.url())![1]!;
    await page.locator('.job-title').waitFor();
    const lossChart = page.locator('figure.chart').first();
    // Points arrive epoch by epoch through the live stream.
    const seen = new Set<number>();
    await expect
      .poll(
        async () => {
          const n = Number(await lossChart.getAttribute('data-points'));
          seen.add(n);
          return n;
        },
        { timeout: 60_000, interval: 100 },
      )
      .toBe(5);
    expect([...seen].some((n) => n > 0 && n < 5), `points seen: ${[...seen].join(', ')}`).toBe(true);
    expect(Number(await page.locator('.charts').getAttribute('data-live-metrics'))).toBeGreaterThanOrEqual(1);
    expect(await page.locator('figure.chart').nth(1).getAttribute('data-points')).toBe('5');
    await page.locator('.job-title .status-badge[data-status=COMPLETED]').waitFor({ timeout: 30_000 });
    await page.locator('.status-stepper li[data-status=COMPLETED].st-done').waitFor();
    await expect.poll(() => page.locator('[data-testid=epoch]').textContent()).toBe('5 of 5 done');
    // What happened, with times and reasons.
    const history = page.locator('table.transitions tr');
    await expect.poll(() => history.count()).toBe(4);
    expect(await history.first().textContent()).toContain('created by admin');
    expect(await history.last().locator('.status-badge').getAttribute('data-status')).toBe('COMPLETED');
    // The log follows the end, and holds the last epoch's block.
    await page.locator('.follow-state').waitFor();
    await page.locator('.log-row', { hasText: 'Epoch [5/5]: Training Status' }).waitFor();
    await page.screenshot({ path: join(artifacts, 'monitor.png'), fullPage: true });
    // Search filters it.
    await page.getByPlaceholder('Search the log').fill('Epoch [');
    await expect.poll(() => page.locator('.log-row').count()).toBe(5);
    expect(await page.locator('.log-row mark').first().textContent()).toBe('Epoch [');
    await page.getByPlaceholder('Search the log').fill('');
    // The whole log downloads.
    const log = await download(page, () => page.getByRole('link', { name: 'Download log' }).click());
    expect(log).toContain('Training Status');
    expect(log).toContain('Epoch [5/5]');

    // ---- a second run, in the same pipeline ----
    await newRun(page, id, '3');
    await page.getByRole('radio', { name: 'An existing pipeline' }).check();
    await expect.poll(() => page.getByLabel('Pipeline', { exact: true }).locator('option:checked').textContent()).toContain('Leaves, first tries');
    await page.locator('.start-summary').getByText('Ready.').waitFor();
    await start(page).click();
    await page.waitForURL(/#\/projects\/\d+\/jobs\/[0-9a-f-]+$/);
    const secondId = /jobs\/([0-9a-f-]+)$/.exec(page.url())![1]!;
    expect(secondId).not.toBe(firstId);
    await page.locator('.job-title .status-badge[data-status=COMPLETED]').waitFor({ timeout: 60_000 });

    // ---- history and compare ----
    await page.goto(`${h.baseUrl}/#/projects/${id}/monitor`);
    const rows = page.locator('.jobs-table tbody tr');
    await expect.poll(() => rows.count()).toBe(2);
    await page.getByLabel(`Compare Run ${firstId.slice(0, 8)}`).check();
    await page.getByLabel(`Compare Run ${secondId.slice(0, 8)}`).check();
    await page.getByRole('link', { name: 'Compare selected (2)' }).click();
    await page.waitForURL(/#\/projects\/\d+\/compare\//);
    await page.locator('.run-legend li').nth(1).waitFor();
    await expect.poll(() => page.locator('figure.chart').first().getAttribute('data-points')).toBe('5');
    const differs = page.locator('.config-diff tr.differs');
    await expect.poll(() => differs.count()).toBe(1);
    expect(await differs.getAttribute('data-key')).toBe('epochs');
    await page.screenshot({ path: join(artifacts, 'compare.png'), fullPage: true });

    // ---- the report of the first run ----
    await page.goto(`${h.baseUrl}/#/projects/${id}/results/${firstId}`);
    await page.locator('.job-results .job-title').waitFor();
    const report = await download(page, () => page.getByRole('button', { name: 'Download report' }).click());
    expect(report).toContain('Val IoU');
    expect(report).toContain('0.3333');
    expect(report).toContain('data:image/png;base64,');
    expect(report).not.toMatch(/https?:\/\//);

    expect(h.pageErrors).toEqual([]);
  });

  it('predicts a whole image with a trained model and shows it over the image', async (ctx) => {
    const page = await h.newPage();
    await h.signIn(page);
    // Needs the built-in CPU trainer: the fake one leaves no model to run.
    const { workers } = await api<{ workers: { name: string; trainers: { name: string }[] }[] }>(page, 'GET', '/api/workers');
    if (!workers.some((w) => w.name === 'local' && w.trainers.some((t) => t.name === 'cpu'))) {
      ctx.skip();
      return;
    }
    const id = await project(page, 'Leaves, predicted');
    const job = await api<{ id: string }>(page, 'POST', `/api/projects/${id}/jobs`, {
      worker: 'local',
      trainer: 'cpu',
      config: { epochs: 2, input_size: '64', model_architecture: 'unet-small' },
    });
    await expect
      .poll(async () => (await api<{ job: { status: string } }>(page, 'GET', `/api/jobs/${job.id}`)).job.status, { timeout: 90_000 })
      .toBe('COMPLETED');

    // Results: numbers, per-class IoU, confusion matrix; then predict.
    await page.goto(`${h.baseUrl}/#/projects/${id}/results/${job.id}`);
    await page.locator('.per-class-table tr[data-class=cell]').waitFor();
    await page.locator('.confusion-table td.diag').first().waitFor();
    // The validation tiles: the tile, truth, prediction and difference, drawn.
    const valRow = page.locator('.val-tiles .val-row').first();
    await valRow.waitFor();
    await expect
      .poll(() =>
        valRow.evaluate((li) => {
          const img = li.querySelector('img');
          const drawn = [...li.querySelectorAll('canvas')].filter((c) => c.dataset['drawn'] === 'true' && c.width > 0);
          return (img && img.complete && img.naturalWidth > 0 ? 1 : 0) + drawn.length;
        }),
      )
      .toBe(4);
    const row = page.locator('.predict-row', { hasText: 'leaves.png' });
    await row.getByRole('button', { name: 'Predict' }).click();
    await row.getByText(/Predicted in/).waitFor({ timeout: 60_000 });
    await page.screenshot({ path: join(artifacts, 'results.png'), fullPage: true });

    // The viewer lays the prediction over the image, with its legend and opacity.
    const overlay = page.waitForResponse((r) => r.url().includes(`/predictions/${job.id}/overlay.png`) && r.status() === 200);
    await row.getByRole('link', { name: 'Show in the viewer' }).click();
    await page.waitForURL(new RegExp(`/images/\\d+/predictions/${job.id}$`));
    await overlay;
    const panel = page.locator('.predictions-panel');
    await panel.locator('.pred-legend').getByText('Cell').waitFor();
    await page.waitForTimeout(1500); // the view settles
    const on = await page.locator('.osd').screenshot();
    await panel.getByLabel('Overlay opacity').fill('0');
    await panel.getByText('Opacity 0 %').waitFor();
    await page.waitForTimeout(500);
    const off = await page.locator('.osd').screenshot();
    expect(Buffer.compare(on, off)).not.toBe(0);
    await panel.getByLabel('Overlay opacity').fill('0.7');
    await panel.getByText('Opacity 70 %').waitFor();
    await page.screenshot({ path: join(artifacts, 'prediction.png'), fullPage: true });

    // The report shows it, embedded.
    await page.goto(`${h.baseUrl}/#/projects/${id}/results/${job.id}`);
    await page.locator('.per-class-table').waitFor();
    const report = await download(page, () => page.getByRole('button', { name: 'Download report' }).click());
    expect(report).toContain('Sample predictions');
    expect(report).toContain('Confusion matrix');
    expect(report).not.toMatch(/https?:\/\//);

    // The model file downloads (with the page's session) and imports back.
    const models = page.locator('.models-panel .model');
    expect(await page.locator(`.models-panel .model[data-job="${job.id}"]`).getByRole('link', { name: /Download model/ }).getAttribute('href')).toBe(
      `/api/jobs/${job.id}/model`,
    );
    const res = await page.request.get(`${h.baseUrl}/api/jobs/${job.id}/model`);
    expect(res.status()).toBe(200);
    expect(res.headers()['content-type']).toContain('zip');
    const zip = await res.body();
    expect(zip.subarray(0, 2).toString('latin1')).toBe('PK');
    const before = await models.count();
    await page.getByLabel('Model file to import').setInputFiles({ name: 'model.zip', mimeType: 'application/zip', buffer: zip });
    const done = page.locator('.model-import [role=status]');
    await done.getByText('Imported as').waitFor({ timeout: 30_000 });
    await expect.poll(() => models.count()).toBe(before + 1);
    const { jobs } = await api<{ jobs: { id: string; status: string; trainer: string }[] }>(page, 'GET', `/api/projects/${id}/jobs`);
    const imported = jobs.find((j) => j.id !== job.id);
    expect(imported?.status).toBe('COMPLETED');
    await done.getByRole('link').click();
    await page.waitForURL(new RegExp(`/results/${imported!.id}$`));
    await page.locator(`.job-results[data-job="${imported!.id}"] .status-badge[data-status=COMPLETED]`).waitFor();
    expect(await page.locator('.val-tiles').count()).toBe(0); // a model file holds no tiles
    // The imported model predicts.
    const again = page.locator('.predict-row', { hasText: 'leaves.png' });
    await again.getByRole('button', { name: 'Predict' }).click();
    await again.getByText(/Predicted in/).waitFor({ timeout: 60_000 });
    // Not a model file: the server says why.
    await page.getByLabel('Model file to import').setInputFiles({ name: 'notes.zip', mimeType: 'application/zip', buffer: Buffer.from('PK\x03\x04nope') });
    await page.locator('.model-import .error').getByText(/notes\.zip: not a model file/).waitFor();

    // A GPU trainer's model (as its model.json says): the page explains
    // why it does not predict here instead of offering to.
    const { job: full } = await api<{ job: { pipeline_id: string } }>(page, 'GET', `/api/jobs/${job.id}`);
    const gpuModels = join(h.dataDir, 'projects', `project-${id}`, 'ml', 'pipelines', `pipeline-${full.pipeline_id}`, `trainingjob-${job.id}`, 'models');
    await writeFile(join(gpuModels, 'model.json'), JSON.stringify({ format: 'tessera-upernet-convnext/1', trainer: 'tessera pytorch trainer' }));
    await writeFile(join(gpuModels, 'model.onnx'), 'onnx');
    await page.goto(`${h.baseUrl}/#/projects/${id}/results/${job.id}`);
    await page.getByText(/runs on a GPU agent, not in this app/).waitFor();
    await page.getByText(/holds model\.onnx, which runs in ONNX Runtime/).waitFor();
    expect(await page.locator('.predict-row').count()).toBe(0);
    expect(h.pageErrors).toEqual([]);
  });

  it('explains a failed run and starts it again with a smaller batch', async () => {
    const page = await h.newPage();
    await h.signIn(page);
    const id = await project(page, 'Leaves, failed');
    const job = await api<{ id: string }>(page, 'POST', `/api/projects/${id}/jobs`, {
      worker: 'local',
      trainer: 'crash',
      config: { epochs: 2, batch_size: 8 },
    });
    await page.goto(`${h.baseUrl}/#/projects/${id}/jobs/${job.id}`);
    const failure = page.locator('.failure-panel');
    await failure.waitFor({ timeout: 60_000 });
    await failure.locator('.failure-error').getByText('trainer exited with code 3').waitFor();
    await failure.getByText('CUDA out of memory. Tried to allocate 2.00 GiB').waitFor();
    await failure.getByText('The computer ran out of memory').waitFor();
    await page.locator('.status-stepper li[data-status=FAILED].st-failed').waitFor();
    await page.screenshot({ path: join(artifacts, 'failed.png'), fullPage: true });
    await failure.getByRole('button', { name: 'Train again with Batch Size 4' }).click();
    await page.waitForURL(new RegExp(`#/projects/${id}/train$`));
    await expect.poll(() => page.getByLabel('Batch Size', { exact: true }).inputValue()).toBe('4');
    expect(await page.getByLabel('Trainer', { exact: true }).inputValue()).toBe('crash');
    expect(await page.getByLabel('Epochs', { exact: true }).inputValue()).toBe('2');
    expect(h.pageErrors).toEqual([]);
  });

  it('cancels a run', async () => {
    const page = await h.newPage();
    await h.signIn(page);
    const id = await project(page, 'Leaves, cancelled');
    const job = await api<{ id: string }>(page, 'POST', `/api/projects/${id}/jobs`, { worker: 'local', trainer: 'hang', config: {} });
    await page.goto(`${h.baseUrl}/#/projects/${id}/jobs/${job.id}`);
    await page.locator('.job-title .status-badge[data-status=PROCESSING]').waitFor({ timeout: 30_000 });
    await page.locator('.log-row', { hasText: 'warming up' }).waitFor();
    await page.getByRole('button', { name: 'Stop training' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Stop training' }).click();
    await page.locator('.job-title .status-badge[data-status=CANCELLED]').waitFor({ timeout: 30_000 });
    await page.locator('.status-stepper li[data-status=CANCELLED].st-cancelled').waitFor();
    await page.getByText(/stopped this run/).first().waitFor();
    expect(await page.getByRole('button', { name: 'Stop training' }).count()).toBe(0);
    expect(h.pageErrors).toEqual([]);
  });
});
