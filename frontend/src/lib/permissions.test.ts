// @vitest-environment happy-dom
// Each role is offered the project and image controls the API lets it use
// (backend/auth/permissions.go), and no others.
import { flushSync } from 'svelte';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import ImagesPage from '../images/ImagesPage.svelte';
import { imageFixture } from '../images/fixtures';
import ProjectsPage from '../projects/ProjectsPage.svelte';
import { ProjectsStore } from '../projects/store.svelte';
import { Client, type Role, type Session } from './api';
import { pageContext } from './context';
import { canDeleteImages, canImportImages, canManageProjects } from './permissions';
import { mountTarget, settle } from './test-dom';

const roles: Role[] = ['admin', 'professor', 'assistant', 'student'];
const project = { id: 1, name: 'Cells 101', description: '', created_at: '2026-11-27T04:00:00Z', updated_at: '2026-11-27T04:00:00Z' };

function session(role: Role): Session {
  return { user: { id: 1, name: role, role, created_at: project.created_at }, mode: 'server' };
}

function fakeApi() {
  const calls: string[] = [];
  const api = new Client({
    fetch: async (url, init) => {
      calls.push(`${init?.method ?? 'GET'} ${url.split('?')[0]}`);
      if (url === '/api/projects') return Response.json({ projects: [project] });
      if (url.startsWith('/api/projects/1/images?')) return Response.json({ images: [imageFixture({ project_id: 1 })], total: 1 });
      return Response.json({ error: { code: 'forbidden', message: 'no' } }, { status: 403 });
    },
  });
  return { api, calls };
}

const rowButtons = () => [...dom.target.querySelectorAll('.project-list button')].map((b) => b.textContent?.trim());

/** Uploads that would go out (held forever: the page shows them waiting). */
const sent: string[] = [];
class HeldXHR {
  upload = {};
  private url = '';
  open(_method: string, url: string) {
    this.url = url;
  }
  setRequestHeader() {}
  send() {
    sent.push(this.url);
  }
  abort() {}
}

beforeEach(() => {
  sent.length = 0;
  vi.stubGlobal('XMLHttpRequest', HeldXHR);
});

afterEach(() => {
  vi.unstubAllGlobals();
});

const dom = mountTarget();

describe('the permission table', () => {
  it('matches the API’s rows', () => {
    expect(roles.filter((r) => canManageProjects(session(r)))).toEqual(['admin', 'professor']);
    expect(roles.filter((r) => canImportImages(session(r)))).toEqual(['admin', 'professor', 'assistant']);
    expect(roles.filter((r) => canDeleteImages(session(r)))).toEqual(['admin', 'professor']);
    expect(canManageProjects(undefined) || canImportImages(undefined) || canDeleteImages(undefined)).toBe(false);
  });
});

describe('the projects page', () => {
  it.each(roles)('%s: create, rename and delete shown only if the API allows them', async (role) => {
    const { api } = fakeApi();
    const store = new ProjectsStore(api);
    await store.load();
    dom.mount(ProjectsPage, { props: { store }, context: pageContext({ api, session: session(role) }) });
    await settle(() => expect(dom.target.querySelector('.project-list')?.textContent).toContain('Cells 101'));
    const allowed = role === 'admin' || role === 'professor';
    expect(dom.target.querySelector('form.create-form') !== null).toBe(allowed);
    expect(rowButtons()).toEqual(allowed ? ['Rename', 'Delete'] : []);
  });
});

describe('the images page', () => {
  it.each(roles)('%s: import (button and drop) offered only if the API allows it', async (role) => {
    const { api, calls } = fakeApi();
    dom.mount(ImagesPage, { props: { projectId: 1 }, context: pageContext({ api, session: session(role) }) });
    await settle(() => expect(dom.target.querySelector('.image-card')).not.toBeNull());
    const allowed = role !== 'student';
    expect(dom.target.querySelector('.import-card') !== null).toBe(allowed);
    expect(dom.target.querySelector('input[type=file]') !== null).toBe(allowed);

    // Files dropped on the page: no hint, no upload for those who may not import.
    const page = dom.target.querySelector('.images-page')!;
    const files = { types: ['Files'], files: [new File(['x'], 'a.png', { type: 'image/png' })], dropEffect: 'none' };
    const drag = (type: string) => {
      const e = new Event(type, { bubbles: true, cancelable: true });
      Object.defineProperty(e, 'dataTransfer', { value: files });
      page.dispatchEvent(e);
      return e;
    };
    expect(drag('dragenter').defaultPrevented).toBe(true); // never let the browser open the file
    flushSync();
    expect(dom.target.querySelector('.drop-hint') !== null).toBe(allowed);
    drag('drop');
    flushSync();
    expect(sent).toEqual(allowed ? ['/api/projects/1/images?name=a.png'] : []);
    expect(calls.filter((c) => !c.startsWith('GET'))).toEqual([]);
  });
});
