import { describe, expect, it, vi } from 'vitest';
import { applyInitialRoute } from './desktop';

describe('notifyFrontendReady', () => {
  it('is a no-op without Wails bindings', async () => {
    vi.resetModules();
    const { notifyFrontendReady } = await import('./desktop');
    await expect(notifyFrontendReady({ navigator: { userAgent: 'x' } } as Window)).resolves.toBeUndefined();
  });

  it('calls FrontendReady once with the user agent', async () => {
    vi.resetModules();
    const { notifyFrontendReady } = await import('./desktop');
    const ready = vi.fn(() => Promise.resolve());
    const win = { navigator: { userAgent: 'WebKitGTK test' }, go: { app: { App: { FrontendReady: ready } } } };
    await notifyFrontendReady(win as unknown as Window);
    await notifyFrontendReady(win as unknown as Window);
    expect(ready).toHaveBeenCalledTimes(1);
    expect(ready).toHaveBeenCalledWith('WebKitGTK test');
  });

  it('waits for bindings that arrive late, when asked to', async () => {
    vi.resetModules();
    const { notifyFrontendReady } = await import('./desktop');
    const ready = vi.fn(() => Promise.resolve());
    const win: { navigator: { userAgent: string }; go?: unknown } = { navigator: { userAgent: 'ua' } };
    setTimeout(() => (win.go = { app: { App: { FrontendReady: ready } } }), 120);
    await notifyFrontendReady(win as unknown as Window, 2000);
    expect(ready).toHaveBeenCalledWith('ua');
  });
});

describe('desktop file import', () => {
  it('finds the native image chooser only in the desktop window', async () => {
    const { imageChooser, isDesktopWindow } = await import('./desktop');
    expect(imageChooser({} as Window)).toBeUndefined();
    expect(isDesktopWindow({} as Window)).toBe(false);
    const App = { ChooseImages: vi.fn(() => Promise.resolve(['/home/me/a.png', 3, '', '/home/me/b.tif'])) };
    const win = { go: { app: { App } } } as unknown as Window;
    expect(isDesktopWindow(win)).toBe(true);
    await expect(imageChooser(win)!()).resolves.toEqual(['/home/me/a.png', '/home/me/b.tif']);
    const cancelled = { go: { app: { App: { ChooseImages: () => Promise.resolve(null) } } } } as unknown as Window;
    await expect(imageChooser(cancelled)!()).resolves.toEqual([]);
  });

  it('hands dropped paths over until told to stop', async () => {
    const { filesDroppedEvent, onFilesDropped } = await import('./desktop');
    const handlers = new Map<string, (...args: unknown[]) => void>();
    const off = vi.fn();
    const runtime = {
      EventsOn: vi.fn((name: string, cb: (...args: unknown[]) => void) => {
        handlers.set(name, cb);
        return off;
      }),
    };
    const got: string[][] = [];
    const stop = onFilesDropped((p) => got.push(p), { runtime } as unknown as Window);
    expect(runtime.EventsOn).toHaveBeenCalledWith(filesDroppedEvent, expect.any(Function));
    handlers.get(filesDroppedEvent)!(['/tmp/a.png', '/tmp/b.png']);
    handlers.get(filesDroppedEvent)!([]);
    handlers.get(filesDroppedEvent)!('nonsense');
    expect(got).toEqual([['/tmp/a.png', '/tmp/b.png']]);
    stop();
    expect(off).toHaveBeenCalledTimes(1);
    // No Wails: nothing to listen to.
    expect(onFilesDropped(() => {}, {} as Window)).toBeTypeOf('function');
  });
});

describe('applyInitialRoute', () => {
  it('opens the page the desktop app was started with', async () => {
    const win = { go: { app: { App: { InitialRoute: async () => '#/projects/2/monitor' } } }, location: { hash: '' } };
    await applyInitialRoute(win as unknown as Window, 5000);
    expect(win.location.hash).toBe('#/projects/2/monitor');
  });

  it('leaves the page alone without a route, or in a browser', async () => {
    const win = { go: { app: { App: { InitialRoute: async () => '' } } }, location: { hash: '#/projects' } };
    await applyInitialRoute(win as unknown as Window, 5000);
    expect(win.location.hash).toBe('#/projects');
    const browser = { location: { hash: '#/x' } };
    await applyInitialRoute(browser as unknown as Window, 0);
    expect(browser.location.hash).toBe('#/x');
  });
});

describe('nativeSaver', () => {
  it('is there only when the app binds both SaveFile and SaveText', async () => {
    const { nativeSaver } = await import('./desktop');
    expect(nativeSaver({} as Window)).toBeUndefined();
    expect(nativeSaver({ go: { app: { App: { SaveFile: async () => '' } } } } as unknown as Window)).toBeUndefined();
    const App = {
      SaveFile: vi.fn(async (p: string, n: string) => `/home/me/${n} from ${p}`),
      SaveText: vi.fn(async () => ''),
    };
    const saver = nativeSaver({ go: { app: { App } } } as unknown as Window)!;
    await expect(saver.saveApiFile('/api/jobs/1/model', 'm.zip')).resolves.toBe('/home/me/m.zip from /api/jobs/1/model');
    // "" is a cancel.
    await expect(saver.saveText('r.html', '<p>')).resolves.toBeNull();
    expect(App.SaveText).toHaveBeenCalledWith('r.html', '<p>');
  });

  it('rejects with an Error carrying the app’s message', async () => {
    const { nativeSaver } = await import('./desktop');
    const App = { SaveFile: () => Promise.reject('job 1 has no log yet'), SaveText: () => Promise.reject('') };
    const saver = nativeSaver({ go: { app: { App } } } as unknown as Window)!;
    await expect(saver.saveApiFile('/api/jobs/1/train.log', 'l.log')).rejects.toThrow(new Error('job 1 has no log yet'));
    await expect(saver.saveText('r.html', 'x')).rejects.toThrow(new Error('the file could not be saved'));
  });
});
