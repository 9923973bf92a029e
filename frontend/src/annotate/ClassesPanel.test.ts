// @vitest-environment happy-dom
// The label classes panel: class edits are saved only on request, so
// leaving with some not saved asks first; the hint does not suggest a
// "background" class (the server refuses one: it is built in).
import { flushSync } from 'svelte';
import { describe, expect, it } from 'vitest';
import { Client, type Schema } from '../lib/api';
import { LeaveGuards } from '../lib/router.guards';
import { mountTarget, settle } from '../lib/test-dom';
import Harness from './ClassesPanel.harness.svelte';

const empty: Schema = { colour_schemes: [], label_class_groups: [] };

function fakeServer() {
  const srv = {
    puts: 0,
    fetch: async (url: string, init?: RequestInit): Promise<Response> => {
      if (init?.method === 'PUT' && url === '/api/projects/1/schema') {
        srv.puts++;
        return Response.json(JSON.parse(String(init.body)));
      }
      return Response.json({ error: { code: 'not_found', message: `no route ${url}` } }, { status: 404 });
    },
  };
  return srv;
}

const dom = mountTarget();

function button(text: string): HTMLButtonElement {
  const b = [...dom.target.querySelectorAll('button')].find((el) => el.textContent?.trim() === text);
  if (!b) throw new Error(`no button ${text}`);
  return b;
}

function addClass(name: string) {
  const input = dom.target.querySelector<HTMLInputElement>('input[name="human_name"]')!;
  input.value = name;
  input.dispatchEvent(new Event('input', { bubbles: true }));
  flushSync();
  dom.target.querySelector<HTMLFormElement>('form.add-class')!.dispatchEvent(new SubmitEvent('submit', { bubbles: true, cancelable: true }));
  flushSync();
}

describe('ClassesPanel', () => {
  it('asks before leaving with class edits not saved, in the app and when the tab closes', async () => {
    const srv = fakeServer();
    const guards = new LeaveGuards();
    const stopUnload = guards.watchUnload(window);
    try {
      dom.mount(Harness, { props: { api: new Client({ fetch: srv.fetch }), guards, schema: empty } });
      flushSync();
      expect(guards.unsaved()).toBeNull();
      addClass('Nucleus');
      expect(dom.target.textContent).toContain('Unsaved changes');
      // 'failed' is the state in which the shell's router asks "Leave without saving?".
      expect(guards.unsaved()).toBe('failed');
      const unload = new Event('beforeunload', { cancelable: true });
      window.dispatchEvent(unload);
      expect(unload.defaultPrevented).toBe(true);

      button('Save classes').click();
      await settle(() => expect(srv.puts).toBe(1));
      await settle(() => expect(guards.unsaved()).toBeNull());
      addClass('Membrane');
      expect(guards.unsaved()).toBe('failed');
      button('Discard').click();
      flushSync();
      expect(guards.unsaved()).toBeNull();
      // The guard goes with the panel (after the shell asked, the draft is dropped).
      addClass('Membrane');
      dom.unmount();
      expect(guards.unsaved()).toBeNull();
    } finally {
      stopUnload();
    }
  });

  it('does not suggest a class named "background", and says the background is built in', () => {
    dom.mount(Harness, { props: { api: new Client({ fetch: fakeServer().fetch }), guards: new LeaveGuards(), schema: empty } });
    flushSync();
    const hint = dom.target.querySelector('.notice')!.textContent!;
    expect(hint).not.toMatch(/“background”|'background'/);
    expect(hint).toContain('The background (everything left unlabelled) is built in');
  });
});
