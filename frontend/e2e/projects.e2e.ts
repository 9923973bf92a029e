// Browser test of the projects page against the real server binary:
// TESSERA_BIN serve on a random port with a fresh data folder, driven through
// Debian's chromium by playwright-core (no browser downloads).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const artifacts = fileURLToPath(new URL('../test-artifacts/', import.meta.url));
const password = randomBytes(12).toString('hex');
const timeout = 15_000;

let server: ChildProcess | null = null;
let serverLog = '';
let dataDir = '';
let baseUrl = '';
let browser: Browser | null = null;
const contexts: BrowserContext[] = [];
const pageErrors: string[] = [];

/** Starts `TESSERA_BIN serve` and resolves with the URL it prints. */
function startServer(bin: string, data: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const proc = spawn(bin, ['serve', '--addr', '127.0.0.1:0', '--data', data, '--admin-password', password], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    server = proc;
    let done = false;
    const finish = (err: Error | null, url?: string) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (err) reject(err);
      else resolve(url ?? '');
    };
    const timer = setTimeout(
      () => finish(new Error(`no "Tessera listening on" line within 30 s; output so far:\n${serverLog}`)),
      30_000,
    );
    const scan = (chunk: Buffer) => {
      serverLog += chunk.toString();
      const m = /Tessera listening on (https?:\/\/[^\s]+)/.exec(serverLog);
      if (m?.[1]) finish(null, m[1].replace(/\/+$/, ''));
    };
    proc.stdout?.on('data', scan);
    proc.stderr?.on('data', scan);
    proc.on('error', (e) => finish(new Error(`cannot start ${bin}: ${e.message}`)));
    proc.on('exit', (code, signal) =>
      finish(new Error(`${bin} exited (code ${code}, signal ${signal}) before listening:\n${serverLog}`)),
    );
  });
}

async function stopServer(): Promise<void> {
  const proc = server;
  server = null;
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  proc.kill('SIGTERM');
  const killer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(killer);
}

async function newPage(): Promise<Page> {
  if (!browser) throw new Error('browser not started');
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  contexts.push(ctx);
  const page = await ctx.newPage();
  page.setDefaultTimeout(timeout);
  page.on('pageerror', (e) => pageErrors.push(`${page.url()}: ${e.message}`));
  return page;
}

async function signIn(page: Page): Promise<void> {
  await page.goto(baseUrl + '/');
  if ((await page.content()).includes('frontend is not built')) {
    throw new Error('the server serves no UI: build the frontend (npm run build) before the binary');
  }
  await page.getByRole('button', { name: 'Sign in' }).waitFor();
  await page.getByLabel('Name').fill('admin');
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Projects', level: 1 }).waitFor();
}

function projectItem(page: Page, name: string) {
  return page
    .getByRole('list', { name: 'Projects' })
    .getByRole('listitem')
    .filter({ has: page.getByRole('link', { name, exact: true }) });
}

/** After a reload: waits until the list (or its empty state) is drawn. */
async function projectsShown(page: Page): Promise<void> {
  await page.locator('.project-list, .empty').first().waitFor();
}

describe('projects in the browser', () => {
  beforeAll(async () => {
    const bin = process.env.TESSERA_BIN;
    if (!bin) {
      throw new Error('TESSERA_BIN is not set: point it at the tessera binary (make test sets it)');
    }
    dataDir = await mkdtemp(join(tmpdir(), 'tessera-e2e-'));
    baseUrl = await startServer(bin, dataDir);
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
      ],
    });
  }, 60_000);

  afterAll(async () => {
    for (const ctx of contexts) await ctx.close().catch(() => {});
    await browser?.close().catch(() => {});
    await stopServer();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  }, 30_000);

  it('signs in, creates, renames and deletes a project', async () => {
    const page = await newPage();
    await signIn(page);

    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByText('admin', { exact: true }).waitFor();
    await nav.getByText('Admin', { exact: true }).waitFor();
    await nav.getByRole('button', { name: 'Sign out' }).waitFor();

    // The form says what is wrong before asking the server.
    const form = page.getByRole('form', { name: 'New project' });
    await form.getByRole('button', { name: 'Create project' }).click();
    await form.getByRole('alert').filter({ hasText: 'project name is required' }).waitFor();

    await form.getByLabel('Name').fill('Cells 101');
    await form.getByLabel('Description').fill('Nuclei of HeLa cells');
    await form.getByRole('button', { name: 'Create project' }).click();
    await projectItem(page, 'Cells 101').waitFor();
    expect(await form.getByLabel('Name').inputValue()).toBe('');

    await page.reload();
    await projectsShown(page);
    const item = projectItem(page, 'Cells 101');
    await item.waitFor();
    expect(await item.textContent()).toContain('Nuclei of HeLa cells');
    expect(await item.textContent()).toMatch(/Created \S/);
    await mkdir(artifacts, { recursive: true });
    await page.screenshot({ path: join(artifacts, 'projects.png'), fullPage: true });

    // Each step of the project is an honest placeholder for now.
    await item.getByRole('link', { name: 'Cells 101' }).click();
    await page.waitForURL(/#\/projects\/\d+\/images$/);
    await page.getByRole('heading', { name: 'Not built yet' }).waitFor();
    await page.getByRole('list', { name: 'Steps' }).getByRole('link', { name: /Train/ }).click();
    await page.waitForURL(/#\/projects\/\d+\/train$/);
    await page.getByRole('heading', { name: 'Train', level: 1 }).waitFor();
    await nav.getByRole('link', { name: 'Projects', exact: true }).click();

    // Rename.
    await projectItem(page, 'Cells 101').getByRole('button', { name: 'Rename Cells 101' }).click();
    const edit = page.getByRole('form', { name: 'Edit project Cells 101' });
    await edit.getByLabel('Name').fill('Cells 102');
    await edit.getByRole('button', { name: 'Save' }).click();
    await projectItem(page, 'Cells 102').waitFor();
    await page.reload();
    await projectsShown(page);
    await projectItem(page, 'Cells 102').waitFor();
    expect(await projectItem(page, 'Cells 101').count()).toBe(0);

    // Delete, accepting the confirmation.
    await projectItem(page, 'Cells 102').getByRole('button', { name: 'Delete Cells 102' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText('Cells 102').waitFor();
    await dialog.getByRole('button', { name: 'Delete', exact: true }).click();
    await projectItem(page, 'Cells 102').waitFor({ state: 'detached' });
    await page.reload();
    await projectsShown(page);
    expect(await projectItem(page, 'Cells 102').count()).toBe(0);
    await page.getByText('No projects yet').waitFor();

    expect(pageErrors).toEqual([]);
  });

  it('shows projects created in another browser live', async () => {
    const alice = await newPage();
    const bob = await newPage();
    await signIn(alice);
    await signIn(bob);
    await projectsShown(bob);
    // Bob's event stream must be open before Alice acts, or he may miss it.
    await bob
      .locator('[data-live=on]')
      .waitFor({ timeout: 10_000 })
      .catch(() => {
        throw new Error('the page never opened GET /api/events (does the server flush the SSE headers at once?)');
      });

    const form = alice.getByRole('form', { name: 'New project' });
    await form.getByLabel('Name').fill('Live from Alice');
    await form.getByRole('button', { name: 'Create project' }).click();
    await projectItem(alice, 'Live from Alice').waitFor();

    const urlBefore = bob.url();
    await projectItem(bob, 'Live from Alice').waitFor({ timeout: 10_000 });
    expect(bob.url()).toBe(urlBefore);

    // Deleting it shows live too.
    await projectItem(alice, 'Live from Alice').getByRole('button', { name: 'Delete Live from Alice' }).click();
    await alice.getByRole('dialog').getByRole('button', { name: 'Delete', exact: true }).click();
    await projectItem(bob, 'Live from Alice').waitFor({ state: 'detached', timeout: 10_000 });

    // Sign out brings the sign-in form back.
    await bob.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Sign out' }).click();
    await bob.getByRole('button', { name: 'Sign in' }).waitFor();

    expect(pageErrors).toEqual([]);
  });
});
