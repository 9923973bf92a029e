// @vitest-environment happy-dom
// In a desktop window that saves natively, a download asks the app to write
// the file (the native dialog) and says where it went; nothing is fetched.
import { flushSync } from 'svelte';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Client } from './api';
import { pageContext } from './context';
import DownloadLink from './DownloadLink.svelte';
import { mountTarget, settle } from './test-dom';

type Win = Window & { go?: unknown; runtime?: unknown };

const fetches: string[] = [];

beforeEach(() => {
  fetches.length = 0;
});

afterEach(() => {
  delete (window as Win).go;
  delete (window as Win).runtime;
  vi.restoreAllMocks();
});

const dom = mountTarget();

function nativeDesktop(saveFile: (path: string, name: string) => Promise<string>) {
  const App = { SaveFile: vi.fn(saveFile), SaveText: vi.fn(async () => '') };
  (window as Win).runtime = { EventsOn: () => () => {} };
  (window as Win).go = { app: { App } };
  return App;
}

function link(url = '/api/projects/1/export?format=coco&per=tile') {
  const api = new Client({
    fetch: async (u) => {
      fetches.push(u);
      return new Response('no', { status: 500 });
    },
  });
  dom.mount(DownloadLink, {
    props: { url, fileName: 'project-1-coco-tile.zip', label: 'Export COCO', what: 'label exports' },
    context: pageContext({ api }),
  });
  flushSync();
}

function button(): HTMLButtonElement {
  return dom.target.querySelector('button')!;
}

describe('DownloadLink in the desktop window', () => {
  it('saves through the app and says where', async () => {
    const App = nativeDesktop(async () => '/home/me/exports/coco.zip');
    link();
    expect(button().title).toBe(''); // no "open Tessera in a browser" hint
    button().click();
    await settle(() => expect(dom.target.querySelector('[role=status]')?.textContent).toBe('Saved to /home/me/exports/coco.zip'));
    expect(App.SaveFile).toHaveBeenCalledWith('/api/projects/1/export?format=coco&per=tile', 'project-1-coco-tile.zip');
    expect(fetches).toEqual([]);
    expect(button().disabled).toBe(false);
  });

  it('says nothing when the dialog is cancelled', async () => {
    nativeDesktop(async () => '');
    link();
    button().click();
    await settle(() => expect(button().disabled).toBe(false));
    expect(dom.target.querySelector('[role=status]')).toBeNull();
    expect(dom.target.querySelector('[role=alert]')).toBeNull();
  });

  it('shows why the app could not save', async () => {
    nativeDesktop(() => Promise.reject('a student may not export labels'));
    link();
    button().click();
    await settle(() => expect(dom.target.querySelector('[role=alert]')?.textContent).toBe('Could not download: a student may not export labels'));
    expect(dom.target.querySelector('[role=status]')).toBeNull();
  });
});
