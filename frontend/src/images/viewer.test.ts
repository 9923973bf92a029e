// @vitest-environment happy-dom
// The image page as its users see it: a retry whose answer comes late, and
// deleting an image (teachers only).
import { beforeEach, describe, expect, it } from 'vitest';
import { Client, type Image, type Project, type Role } from '../lib/api';
import { pageContext } from '../lib/context';
import { LiveHub } from '../lib/hub';
import { mountTarget, settle } from '../lib/test-dom';
import { imageFixture } from './fixtures';
import ImageViewer from './ImageViewer.svelte';

const project: Project = { id: 3, name: 'Slides', description: '', created_at: '2026-11-27T04:00:00Z', updated_at: '2026-11-27T04:00:00Z' };
const failed = imageFixture({ id: 7, name: 'bad.png', state: 'failed', error: 'broken file', pyramid: null, tiles_count: 4 });

/** A server for image 7; answers to POST retry (and, with holdDelete, DELETE) wait until released. */
function server(holdDelete = false) {
  const calls: string[] = [];
  let release: (img: Image) => void = () => {};
  const retried = new Promise<Image>((r) => (release = r));
  let releaseDelete: () => void = () => {};
  const deleted = holdDelete ? new Promise<void>((r) => (releaseDelete = r)) : Promise.resolve();
  const fetch = async (url: string, init?: RequestInit): Promise<Response> => {
    const key = `${init?.method ?? 'GET'} ${url}`;
    calls.push(key);
    if (key === 'GET /api/images/7') return Response.json(failed);
    if (key === 'POST /api/images/7/retry') return Response.json(await retried);
    if (key === 'DELETE /api/images/7') return deleted.then(() => new Response(null, { status: 204 }));
    return Response.json({ error: { code: 'not_found', message: key } }, { status: 404 });
  };
  return { api: new Client({ fetch }), calls, release, releaseDelete };
}

function session(role: Role) {
  return { user: { id: 1, name: role, role, created_at: project.created_at }, mode: 'server' as const };
}

function button(name: string): HTMLButtonElement | undefined {
  return [...dom.target.querySelectorAll('button')].find((b) => b.textContent?.trim() === name);
}

beforeEach(() => {
  window.location.hash = '#/projects/3/images/7';
});

const dom = mountTarget();

describe('the image page', () => {
  it('keeps the failure the tiler reported when the retry’s answer comes after it', async () => {
    const srv = server();
    const hub = new LiveHub();
    dom.mount(ImageViewer, { props: { project, imageId: 7 }, context: pageContext({ api: srv.api, hub, session: session('assistant') }) });
    await settle(() => expect(dom.target.textContent).toContain('could not be tiled: broken file'));

    button('Try again')!.click();
    // The tiler takes the image up at once and fails again, before the answer to the retry arrives.
    hub.emit({ type: 'image.updated', project_id: 3, data: { ...failed, state: 'tiling', updated_at: '2026-11-27T05:00:01Z' }, time: '' });
    hub.emit({ type: 'image.updated', project_id: 3, data: { ...failed, error: 'still broken', updated_at: '2026-11-27T05:00:02Z' }, time: '' });
    srv.release({ ...failed, state: 'queued', error: '', updated_at: '2026-11-27T05:00:00Z' });
    await settle(() => expect(button('Try again')?.disabled).toBe(false));
    expect(dom.target.textContent).toContain('could not be tiled: still broken');
    expect(dom.target.textContent).not.toContain('being cut into tiles');
  });

  it('lets a professor delete the image, saying where its labels go', async () => {
    const srv = server();
    dom.mount(ImageViewer, { props: { project, imageId: 7 }, context: pageContext({ api: srv.api, session: session('professor') }) });
    await settle(() => expect(button('Delete image')).toBeDefined());
    button('Delete image')!.click();
    await settle(() => expect(dom.target.querySelector('dialog')?.textContent).toContain('annotations/.deleted/'));
    expect(dom.target.querySelector('dialog')?.textContent).toContain('“bad.png” and its 4 tiles will be deleted');
    dom.target.querySelector<HTMLButtonElement>('dialog button.danger')!.click();
    await settle(() => expect(window.location.hash).toBe('#/projects/3/images'));
    expect(srv.calls).toContain('DELETE /api/images/7');
  });

  it('stays where the person went when the deletion ends after they left', async () => {
    const srv = server(true);
    dom.mount(ImageViewer, { props: { project, imageId: 7 }, context: pageContext({ api: srv.api, session: session('professor') }) });
    await settle(() => expect(button('Delete image')).toBeDefined());
    button('Delete image')!.click();
    await settle(() => expect(dom.target.querySelector('dialog button.danger')).not.toBeNull());
    dom.target.querySelector<HTMLButtonElement>('dialog button.danger')!.click();
    await settle(() => expect(srv.calls).toContain('DELETE /api/images/7'));
    dom.unmount();
    window.location.hash = '#/projects/3/train';
    srv.releaseDelete();
    await new Promise((r) => setTimeout(r, 20));
    expect(window.location.hash).toBe('#/projects/3/train');
  });

  it('offers no delete to assistants and students, and no retry to students', async () => {
    for (const role of ['assistant', 'student'] as const) {
      const srv = server();
      dom.mount(ImageViewer, { props: { project, imageId: 7 }, context: pageContext({ api: srv.api, session: session(role) }) });
      await settle(() => expect(dom.target.textContent).toContain('could not be tiled'));
      expect(button('Delete image')).toBeUndefined();
      expect(button('Try again') !== undefined).toBe(role === 'assistant');
      dom.unmount();
    }
  });
});
