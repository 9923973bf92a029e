// @vitest-environment happy-dom
// Every new page starts at its top; a change of query alone keeps the place.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { HashRouter } from './router.svelte';

function go(hash: string) {
  window.location.hash = hash;
  window.dispatchEvent(new HashChangeEvent('hashchange'));
}

afterEach(() => {
  window.location.hash = '';
  vi.restoreAllMocks();
});

describe('HashRouter scrolling', () => {
  it('scrolls to the top when the page changes, not when only its query does', () => {
    window.location.hash = '#/projects/3/images';
    const scroll = vi.spyOn(window, 'scrollTo').mockImplementation(() => {});
    const router = new HashRouter(window);
    const stop = router.start();
    expect(scroll).not.toHaveBeenCalled(); // the first page: the browser's place
    go('#/projects/3/images?state=new');
    expect(scroll).not.toHaveBeenCalled();
    go('#/projects/3/monitor');
    expect(scroll).toHaveBeenCalledTimes(1);
    expect(scroll).toHaveBeenLastCalledWith(0, 0);
    go('#/projects/3'); // an alias of Images: one change of page
    expect(router.route).toEqual({ name: 'project', id: 3, step: 'images' });
    expect(scroll).toHaveBeenCalledTimes(2);
    stop();
  });
});
