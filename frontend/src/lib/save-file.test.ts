// @vitest-environment happy-dom
import { describe, expect, it, vi } from 'vitest';
import { apiPath, desktopSaveHint, saveApiFile, saveFile, savedMessage } from './save-file';
import { recordDownloads } from './test-dom';

/** A desktop window whose app saves natively; calls are recorded. */
function desktopWindow(answer: (method: string, args: unknown[]) => Promise<unknown> = async () => '/home/me/saved') {
  const calls: { method: string; args: unknown[] }[] = [];
  const App = {
    SaveFile: vi.fn((...args: unknown[]) => (calls.push({ method: 'SaveFile', args }), answer('SaveFile', args))),
    SaveText: vi.fn((...args: unknown[]) => (calls.push({ method: 'SaveText', args }), answer('SaveText', args))),
  };
  const win = { go: { app: { App } }, runtime: { EventsOn: () => () => {} }, location: { href: 'wails://wails/#/projects/1/models' } };
  return { win: win as unknown as Window, calls };
}

/** A client whose downloads are recorded: the browser path reads the file. */
function client() {
  const urls: string[] = [];
  return {
    urls,
    api: {
      download: vi.fn(async (url: string) => {
        urls.push(url);
        return { bytes: new Uint8Array([1, 2, 3]).buffer, type: 'application/zip', fileName: 'server-name.zip' };
      }),
    },
  };
}

/** What went out as a Blob-link download. */
const downloads = recordDownloads();

describe('saving text the page made (a report)', () => {
  it('goes through the desktop save dialog, and says where it went', async () => {
    const { win, calls } = desktopWindow();
    const o = await saveFile('<html>report</html>', 'report.html', 'text/html', win);
    expect(o).toEqual({ kind: 'saved', path: '/home/me/saved' });
    expect(savedMessage(o)).toBe('Saved to /home/me/saved');
    expect(calls).toEqual([{ method: 'SaveText', args: ['report.html', '<html>report</html>'] }]);
    expect(downloads).toEqual([]);
  });

  it('saves nothing when the dialog is cancelled', async () => {
    const { win } = desktopWindow(async () => '');
    const o = await saveFile('x', 'r.html', 'text/html', win);
    expect(o).toEqual({ kind: 'cancelled' });
    expect(savedMessage(o)).toBe('');
    expect(downloads).toEqual([]);
  });

  it('turns the app’s error (a string) into an Error with its message', async () => {
    const { win } = desktopWindow(async () => Promise.reject('save /root/r.html: permission denied'));
    await expect(saveFile('x', 'r.html', 'text/html', win)).rejects.toThrow(new Error('save /root/r.html: permission denied'));
  });

  it('is a download in a browser', async () => {
    const o = await saveFile('<html>report</html>', 'report.html', 'text/html;charset=utf-8', window);
    expect(o).toEqual({ kind: 'downloaded' });
    expect(savedMessage(o)).toBe('');
    expect(downloads.map((d) => d.name)).toEqual(['report.html']);
    expect(await downloads[0]!.blob.text()).toBe('<html>report</html>');
  });

  it('is a download in a desktop window that cannot save natively, and for bytes', async () => {
    const old = { runtime: { EventsOn: () => () => {} }, location: { href: 'wails://wails/' } } as unknown as Window;
    expect(await saveFile('a', 'a.txt', 'text/plain', old)).toEqual({ kind: 'downloaded' });
    const { win, calls } = desktopWindow();
    expect(await saveFile(new Uint8Array([1]), 'b.bin', 'application/octet-stream', win)).toEqual({ kind: 'downloaded' });
    expect(calls).toEqual([]);
    expect(downloads.map((d) => d.name)).toEqual(['a.txt', 'b.bin']);
  });
});

describe('saving a file the API serves', () => {
  it('lets the desktop app write it, without reading it into the page', async () => {
    const { win, calls } = desktopWindow(async () => '/home/me/train-ab12.log');
    const { api, urls } = client();
    const o = await saveApiFile(api, '/api/jobs/ab12/train.log', 'train-ab12.log', win);
    expect(savedMessage(o)).toBe('Saved to /home/me/train-ab12.log');
    expect(calls).toEqual([{ method: 'SaveFile', args: ['/api/jobs/ab12/train.log', 'train-ab12.log'] }]);
    expect(urls).toEqual([]);
    expect(downloads).toEqual([]);
  });

  it('passes the query and the API’s refusal along', async () => {
    const { win, calls } = desktopWindow(async () => Promise.reject('a student may not export labels'));
    const { api } = client();
    await expect(saveApiFile(api, '/api/projects/1/export?format=coco&per=tile', 'coco.zip', win)).rejects.toThrow('a student may not export labels');
    expect(calls[0]!.args).toEqual(['/api/projects/1/export?format=coco&per=tile', 'coco.zip']);
  });

  it('reads it into the page and downloads it in a browser, under the server’s name', async () => {
    const { api, urls } = client();
    const o = await saveApiFile(api, '/api/jobs/ab12/model', 'fallback.zip', window);
    expect(o).toEqual({ kind: 'downloaded' });
    expect(urls).toEqual(['/api/jobs/ab12/model']);
    expect(downloads.map((d) => d.name)).toEqual(['server-name.zip']);
    expect(new Uint8Array(await downloads[0]!.blob.arrayBuffer())).toEqual(new Uint8Array([1, 2, 3]));
  });

  it('reads it into the page when the URL is not of the app’s own API', async () => {
    const { win, calls } = desktopWindow();
    const { api, urls } = client();
    await saveApiFile(api, 'https://elsewhere.example/api/jobs/1/model', 'm.zip', win);
    expect(calls).toEqual([]);
    expect(urls).toEqual(['https://elsewhere.example/api/jobs/1/model']);
  });
});

describe('apiPath', () => {
  const wails = { location: { href: 'wails://wails/#/projects' } } as unknown as Window;
  const local = { location: { href: 'http://wails.localhost/index.html' } } as unknown as Window;
  it.each([
    ['/api/jobs/1/train.log', undefined, '/api/jobs/1/train.log'],
    ['/api/projects/1/export?format=masks&per=image#x', undefined, '/api/projects/1/export?format=masks&per=image'],
    ['wails://wails/api/jobs/1/model', wails, '/api/jobs/1/model'],
    ['http://wails.localhost/api/jobs/1/model?a=1', local, '/api/jobs/1/model?a=1'],
    ['api/jobs/1/model', local, '/api/jobs/1/model'],
    ['http://other.localhost/api/jobs/1/model', local, null],
    ['/index.html', local, null],
    ['/apiary', undefined, null],
    ['api/jobs/1/model', undefined, null],
  ])('%s', (url, win, want) => {
    expect(apiPath(url, win)).toBe(want);
  });
});

describe('desktopSaveHint', () => {
  it('is shown only where the desktop cannot save natively', () => {
    expect(desktopSaveHint('logs', desktopWindow().win)).toBe('');
    expect(desktopSaveHint('logs', { runtime: { EventsOn: () => {} } } as unknown as Window)).toBe(
      'If nothing is saved, open Tessera in a browser to download logs.',
    );
  });
});
