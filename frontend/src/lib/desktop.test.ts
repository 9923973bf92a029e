import { describe, expect, it, vi } from 'vitest';

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
