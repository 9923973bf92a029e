// What the browser tests share: TESSERA_BIN serve on a random port with a
// fresh data folder, driven through Debian's chromium by playwright-core (no
// browser downloads), signed in as admin.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const artifacts = fileURLToPath(new URL('../test-artifacts/', import.meta.url));
export const timeout = 15_000;

export class Harness {
  readonly password = randomBytes(12).toString('hex');
  baseUrl = '';
  dataDir = '';
  serverLog = '';
  /** Uncaught errors of every page opened, with its URL. */
  readonly pageErrors: string[] = [];
  private server: ChildProcess | null = null;
  private browser: Browser | null = null;
  private readonly contexts: BrowserContext[] = [];

  /** Starts the server (with extra arguments to `serve`, e.g. --trainer) and the browser (beforeAll). */
  async start(serveArgs: string[] = []): Promise<void> {
    const bin = process.env.TESSERA_BIN;
    if (!bin) {
      throw new Error('TESSERA_BIN is not set: point it at the tessera binary (make test sets it)');
    }
    this.dataDir = await mkdtemp(join(tmpdir(), 'tessera-e2e-'));
    this.baseUrl = await this.startServer(bin, this.dataDir, serveArgs);
    this.browser = await chromium.launch({
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
  }

  /** Closes everything and removes the data folder (afterAll). */
  async stop(): Promise<void> {
    for (const ctx of this.contexts) await ctx.close().catch(() => {});
    await this.browser?.close().catch(() => {});
    await this.stopServer();
    if (this.dataDir) await rm(this.dataDir, { recursive: true, force: true });
  }

  async newPage(): Promise<Page> {
    if (!this.browser) throw new Error('browser not started');
    const ctx = await this.browser.newContext({ viewport: { width: 1280, height: 860 } });
    this.contexts.push(ctx);
    const page = await ctx.newPage();
    page.setDefaultTimeout(timeout);
    page.on('pageerror', (e) => this.pageErrors.push(`${page.url()}: ${e.message}`));
    return page;
  }

  async signIn(page: Page): Promise<void> {
    await page.goto(this.baseUrl + '/');
    if ((await page.content()).includes('frontend is not built')) {
      throw new Error('the server serves no UI: build the frontend (npm run build) before the binary');
    }
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await page.getByLabel('Name').fill('admin');
    await page.getByLabel('Password').fill(this.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Projects', level: 1 }).waitFor();
  }

  /** Starts `bin serve` and resolves with the URL it prints. */
  private startServer(bin: string, data: string, extra: string[]): Promise<string> {
    return new Promise((resolve, reject) => {
      const proc = spawn(bin, ['serve', '--addr', '127.0.0.1:0', '--data', data, '--admin-password', this.password, ...extra], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      this.server = proc;
      let done = false;
      const finish = (err: Error | null, url?: string) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        if (err) reject(err);
        else resolve(url ?? '');
      };
      const timer = setTimeout(
        () => finish(new Error(`no "Tessera listening on" line within 30 s; output so far:\n${this.serverLog}`)),
        30_000,
      );
      const scan = (chunk: Buffer) => {
        this.serverLog += chunk.toString();
        const m = /Tessera listening on (https?:\/\/[^\s]+)/.exec(this.serverLog);
        if (m?.[1]) finish(null, m[1].replace(/\/+$/, ''));
      };
      proc.stdout?.on('data', scan);
      proc.stderr?.on('data', scan);
      proc.on('error', (e) => finish(new Error(`cannot start ${bin}: ${e.message}`)));
      proc.on('exit', (code, signal) =>
        finish(new Error(`${bin} exited (code ${code}, signal ${signal}) before listening:\n${this.serverLog}`)),
      );
    });
  }

  private async stopServer(): Promise<void> {
    const proc = this.server;
    this.server = null;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill('SIGTERM');
    const killer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(killer);
  }
}
