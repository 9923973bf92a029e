// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest';
import { LeaveGuards, type Unsaved } from './router.guards';
import { HashRouter } from './router.svelte';

/** A page's guard whose state the test sets. */
function page(state: Unsaved = null) {
  const p = {
    state,
    flushed: 0,
    guard: {
      unsaved: () => p.state,
      flush: async () => {
        p.flushed++;
        p.state = null;
      },
    },
  };
  return p;
}

function go(hash: string) {
  window.location.hash = hash;
  window.dispatchEvent(new HashChangeEvent('hashchange'));
}

afterEach(() => {
  window.location.hash = '';
});

describe('LeaveGuards', () => {
  it('reports the worst page and flushes them all', async () => {
    const guards = new LeaveGuards();
    const a = page('waiting');
    const b = page('failed');
    guards.add(a.guard);
    const removeB = guards.add(b.guard);
    expect(guards.unsaved()).toBe('failed');
    removeB();
    expect(guards.unsaved()).toBe('waiting');
    guards.add(b.guard);
    await guards.flush();
    expect([a.flushed, b.flushed]).toEqual([1, 1]);
    expect(guards.unsaved()).toBeNull();
  });

  it('has the browser ask before closing the tab with unsaved edits', () => {
    const guards = new LeaveGuards();
    const stop = guards.watchUnload(window);
    const p = page();
    guards.add(p.guard);
    const close = () => {
      const e = new Event('beforeunload', { cancelable: true });
      window.dispatchEvent(e);
      return e.defaultPrevented;
    };
    expect(close()).toBe(false);
    p.state = 'waiting';
    expect(close()).toBe(true);
    p.state = 'failed';
    expect(close()).toBe(true);
    stop();
    expect(close()).toBe(false);
  });
});

describe('HashRouter with a guard', () => {
  it('holds back leaving a page whose edits failed to save until confirmed', () => {
    window.location.hash = '#/projects/1/tiles/5';
    const p = page('failed');
    const router = new HashRouter(window, () => p.state !== 'failed');
    const stop = router.start();
    expect(router.route).toEqual({ name: 'tile', id: 1, tileId: 5 });

    go('#/projects/1/tiles/6'); // Page Down, a link, Back…
    expect(router.route).toEqual({ name: 'tile', id: 1, tileId: 5 });
    expect(window.location.hash).toBe('#/projects/1/tiles/5');
    expect(router.blocked).toBe('#/projects/1/tiles/6');

    router.stay();
    expect(router.blocked).toBeNull();
    expect(router.route).toEqual({ name: 'tile', id: 1, tileId: 5 });

    go('#/projects/1/annotate');
    router.leave();
    window.dispatchEvent(new HashChangeEvent('hashchange'));
    expect(router.route).toEqual({ name: 'project', id: 1, step: 'annotate' });
    expect(window.location.hash).toBe('#/projects/1/annotate');
    stop();
  });

  it('lets edits on their way go with the page (it sends them as it closes)', () => {
    window.location.hash = '#/projects/1/tiles/5';
    const p = page('waiting');
    const router = new HashRouter(window, () => p.state !== 'failed');
    const stop = router.start();
    go('#/projects/1/tiles/6');
    expect(router.route).toEqual({ name: 'tile', id: 1, tileId: 6 });
    expect(router.blocked).toBeNull();
    stop();
  });
});
