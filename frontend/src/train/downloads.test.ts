// @vitest-environment happy-dom
// "Download log" and "Download model": plain links in a browser; in the
// desktop window, which may not follow them, the page reads the file and
// saves it itself, as it saves reports.
import { flushSync } from 'svelte';
import { afterEach, describe, expect, it } from 'vitest';
import { Client } from '../lib/api';
import { TrainingClient } from '../lib/api.training';
import { pageContext } from '../lib/context';
import { mountTarget, recordDownloads, settle } from '../lib/test-dom';
import { jobFixture } from './fixtures';
import { LogStore } from './log-store';
import { ProjectJobs } from './jobs.svelte';
import LogView from './LogView.svelte';
import ModelsPanel from './ModelsPanel.svelte';

const job = jobFixture({ status: 'COMPLETED' });

function server() {
  const gets: string[] = [];
  const api = new Client({
    fetch: async (url) => {
      gets.push(url);
      if (url === `/api/jobs/${job.id}/train.log`) {
        return new Response('Epoch [1/5]\n', {
          headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Disposition': `attachment; filename="train-${job.id}.log"` },
        });
      }
      if (url === `/api/jobs/${job.id}/model`) return new Response(new Uint8Array([0x50, 0x4b, 5, 6]), { headers: { 'Content-Type': 'application/zip' } });
      if (url === '/api/projects/1/jobs') return Response.json({ jobs: [job] });
      return Response.json({ error: { code: 'forbidden', message: 'a student may not download logs' } }, { status: 403 });
    },
  });
  return { api, gets };
}

afterEach(() => {
  delete (window as { runtime?: unknown }).runtime;
});

/** What the page saved: file names and contents. */
const saved = recordDownloads();
const dom = mountTarget();

function desktop() {
  (window as { runtime?: unknown }).runtime = { EventsOn: () => () => {} };
}

function button(name: string): HTMLButtonElement {
  const b = [...dom.target.querySelectorAll('button')].find((x) => x.textContent?.trim() === name);
  if (!b) throw new Error(`no button ${name}`);
  return b;
}

function logView(api: Client, downloadUrl = new TrainingClient(api).logUrl(job.id)) {
  dom.mount(LogView, {
    props: { logs: new LogStore(), version: 0, downloadUrl, downloadName: `train-${job.id}.log` },
    context: pageContext({ api }),
  });
  flushSync();
}

describe('downloading a run’s files', () => {
  it('is a plain link in a browser', () => {
    logView(server().api);
    const a = [...dom.target.querySelectorAll('a')].find((x) => x.textContent === 'Download log');
    expect(a?.getAttribute('href')).toBe(`/api/jobs/${job.id}/train.log`);
    expect(a?.hasAttribute('download')).toBe(true);
  });

  it('saves the log from the page in the desktop window', async () => {
    desktop();
    const srv = server();
    logView(srv.api);
    expect(dom.target.querySelector('a[download]')).toBeNull();
    button('Download log').click();
    await settle(() => expect(saved).toHaveLength(1));
    expect(saved[0]!.name).toBe(`train-${job.id}.log`);
    expect(await saved[0]!.blob.text()).toBe('Epoch [1/5]\n');
  });

  it('says why a download was refused in the desktop window', async () => {
    desktop();
    logView(server().api, '/api/jobs/nope/train.log');
    button('Download log').click();
    await settle(() => expect(dom.target.querySelector('[role=alert]')?.textContent).toBe('Could not download: a student may not download logs'));
    expect(saved).toEqual([]);
  });

  it('saves a model file from the models list in the desktop window', async () => {
    desktop();
    const srv = server();
    const train = new TrainingClient(srv.api);
    const store = new ProjectJobs(train, 1);
    await store.load();
    dom.mount(ModelsPanel, {
      props: { store, train, projectId: 1, current: null, canDelete: false, canImport: false },
      context: pageContext({ api: srv.api }),
    });
    flushSync();
    dom.target.querySelector<HTMLButtonElement>('button[aria-label^="Download model of"]')!.click();
    await settle(() => expect(saved).toHaveLength(1));
    // The server gave no name: the page names it as the server does.
    expect(saved[0]!.name).toBe(`tessera-model-${job.id}.zip`);
    expect(new Uint8Array(await saved[0]!.blob.arrayBuffer())).toEqual(new Uint8Array([0x50, 0x4b, 5, 6]));
    expect(dom.target.querySelector('.models-panel')?.textContent).toContain('open Tessera in a browser to download models and logs');
  });
});
