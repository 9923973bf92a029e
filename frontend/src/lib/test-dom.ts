// Set-up shared by the component tests that run under happy-dom: an element
// to mount pages into, a wait for Svelte to catch up, and a record of files
// saved through a Blob link. Only *.test.ts files import it: Vitest runs
// src/**/*.test.ts alone, and the app's entry never reaches it, so it is
// neither a test nor part of the build.
import { flushSync, mount, unmount, type Component, type MountOptions } from 'svelte';
import { afterEach, beforeEach, vi, type MockInstance } from 'vitest';

/**
 * A new element in document.body for each test to mount components into.
 * After the test, whatever is still mounted through it is unmounted (the
 * latest first) and the element removed, so no page outlives its test.
 *
 * Call it after the file's own beforeEach/afterEach: Vitest runs after-hooks
 * in reverse order (sequence.hooks 'stack', its default), so components are
 * unmounted before the file's clean-up takes away what they ran against
 * (stubbed globals, window.runtime).
 */
export function mountTarget() {
  const mounted: Record<string, any>[] = [];
  const dom = {
    /** The running test's element. */
    target: undefined as unknown as HTMLElement,
    /** Svelte's mount, into target; the component is unmounted after the test. */
    mount<Props extends Record<string, any>, Exports extends Record<string, any>>(
      component: Component<Props, Exports, any>,
      options: Omit<MountOptions<Props>, 'target'>,
    ): Exports {
      const app = mount(component, { ...options, target: dom.target } as MountOptions<Props>);
      mounted.push(app);
      return app;
    },
    /** Unmounts the component mounted last, as closing its page would. */
    unmount() {
      unmount(mounted.pop()!);
    },
  };
  beforeEach(() => {
    dom.target = document.createElement('div');
    document.body.appendChild(dom.target);
  });
  afterEach(() => {
    while (mounted.length > 0) dom.unmount();
    dom.target.remove();
  });
  return dom;
}

/** Waits until check passes, applying Svelte's pending updates before each try. */
export async function settle(check: () => void) {
  await vi.waitFor(() => {
    flushSync();
    check();
  });
}

/** A file the page saved as a download of a Blob link. */
export interface Download {
  name: string;
  blob: Blob;
}

/**
 * Records the files the page saves through a Blob link (save-file.ts in a
 * browser) instead of letting happy-dom follow the link. The list is emptied
 * before each test.
 */
export function recordDownloads(): Download[] {
  const downloads: Download[] = [];
  let spies: MockInstance[] = [];
  beforeEach(() => {
    downloads.length = 0;
    const blobs = new Map<string, Blob>();
    spies = [
      vi.spyOn(URL, 'createObjectURL').mockImplementation((b) => {
        const url = `blob:${blobs.size}`;
        blobs.set(url, b as Blob);
        return url;
      }),
      vi.spyOn(URL, 'revokeObjectURL').mockImplementation(() => {}),
      vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
        downloads.push({ name: this.download, blob: blobs.get(this.href)! });
      }),
    ];
  });
  afterEach(() => {
    for (const spy of spies) spy.mockRestore();
  });
  return downloads;
}
