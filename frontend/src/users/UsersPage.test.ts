// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { Client, type Fetch, type Role, type Session, type User } from '../lib/api';
import { pageContext } from '../lib/context';
import { mountTarget, recordDownloads, settle } from '../lib/test-dom';
import ChangePasswordDialog from './ChangePasswordDialog.svelte';
import UsersPage from './UsersPage.svelte';

/** An in-memory /api/users of a server whose caller manages roles. */
function fakeServer(roles: Role[]) {
  let nextId = 10;
  let pw = 0;
  const users: User[] = [
    { id: 1, name: 'admin', role: 'admin', created_at: '2026-01-05T09:00:00Z' },
    { id: 2, name: 'ada', role: 'student', created_at: '2026-01-05T09:00:00Z' },
  ];
  const calls: { method: string; url: string; body: unknown }[] = [];
  const err = (status: number, code: string, message: string, fields: unknown[] = []) =>
    Response.json({ error: { code, message, fields } }, { status });
  const make = (b: { name: string; role: Role; password?: string }) => {
    const u = { id: nextId++, name: b.name, role: b.role, created_at: '2026-01-06T10:00:00Z' };
    users.push(u);
    return { user: u, password: b.password ? '' : `gen-${++pw}` };
  };
  const fetch: Fetch = async (url, init) => {
    const method = init?.method ?? 'GET';
    const body: unknown = typeof init?.body === 'string' ? JSON.parse(init.body) : undefined;
    calls.push({ method, url, body });
    if (url === '/api/users' && method === 'GET') return Response.json({ users, roles });
    if (url === '/api/users' && method === 'POST') {
      const b = body as { name?: string; role?: Role; users?: { name: string; role: Role }[] };
      if (b.users) {
        const i = b.users.findIndex((n) => users.some((u) => u.name === n.name));
        if (i >= 0) return err(409, 'conflict', 'taken', [{ field: `users[${i}]`, message: `a user named "${b.users[i]!.name}" already exists` }]);
        return Response.json({ users: b.users.map(make) }, { status: 201 });
      }
      return Response.json(make(b as { name: string; role: Role }), { status: 201 });
    }
    const reset = /^\/api\/users\/([^/]+)\/password$/.exec(url);
    if (reset && method === 'PUT') {
      const u = users.find((x) => x.name === decodeURIComponent(reset[1]!))!;
      return Response.json({ user: u, password: `reset-${++pw}` });
    }
    const del = /^\/api\/users\/([^/]+)$/.exec(url);
    if (del && method === 'DELETE') {
      users.splice(users.findIndex((x) => x.name === decodeURIComponent(del[1]!)), 1);
      return new Response(null, { status: 204 });
    }
    if (url === '/api/session/password' && method === 'PUT') {
      const b = body as { current: string; new: string };
      if (b.current !== 'old password') return err(400, 'invalid', 'the current password is wrong', [{ field: 'current', message: 'is not your password' }]);
      return Response.json({ user: users[0], mode: 'server' });
    }
    return err(404, 'not_found', `no route ${method} ${url}`);
  };
  return { calls, users, api: new Client({ fetch }) };
}

const session = (role: Role, mode: 'server' | 'desktop' = 'server'): Session => ({
  user: { id: 1, name: 'admin', role, created_at: '2026-01-05T09:00:00Z' },
  mode,
});

function type(el: Element | null, value: string) {
  const input = el as HTMLInputElement | HTMLTextAreaElement;
  input.value = value;
  input.dispatchEvent(new Event('input', { bubbles: true }));
}

function button(root: HTMLElement, text: string): HTMLButtonElement {
  const b = [...root.querySelectorAll('button')].find((x) => x.textContent?.trim() === text);
  if (!b) throw new Error(`no button "${text}"`);
  return b as HTMLButtonElement;
}

function submit(form: Element | null) {
  (form as HTMLFormElement).requestSubmit();
}

describe('UsersPage', () => {
  const dom = mountTarget();
  const downloads = recordDownloads();

  it('adds one user and shows the generated password once, with a CSV to download', async () => {
    const srv = fakeServer(['admin', 'professor', 'assistant', 'student']);
    dom.mount(UsersPage, { props: {}, context: pageContext({ api: srv.api, session: session('admin') }) });
    await settle(() => expect(dom.target.querySelector('table[aria-label="Users"]')?.textContent).toContain('ada'));
    // Oneself gets no buttons.
    const rows = [...dom.target.querySelectorAll('table[aria-label="Users"] tbody tr')];
    expect(rows.find((r) => r.textContent?.includes('admin'))?.querySelector('button')).toBeNull();

    type(dom.target.querySelector('input[name="name"]'), 'grace');
    const select = dom.target.querySelector('select[name="role"]') as HTMLSelectElement;
    select.value = 'assistant';
    select.dispatchEvent(new Event('change', { bubbles: true }));
    submit(dom.target.querySelector('form[aria-labelledby="add-user-title"]'));
    await settle(() => expect(dom.target.querySelector('table[aria-label="New passwords"]')?.textContent).toContain('gen-1'));
    expect(srv.calls.find((c) => c.method === 'POST')?.body).toEqual({ name: 'grace', role: 'assistant' });
    await settle(() => expect(dom.target.querySelector('table[aria-label="Users"]')?.textContent).toContain('grace'));

    button(dom.target, 'Download as CSV').click();
    await settle(() => expect(downloads).toHaveLength(1));
    expect(downloads[0]!.name).toBe('tessera-passwords.csv');
    expect(await downloads[0]!.blob.text()).toBe('name,role,password\r\ngrace,assistant,gen-1\r\n');

    button(dom.target, 'Done, hide them').click();
    await settle(() => expect(dom.target.querySelector('table[aria-label="New passwords"]')).toBeNull());
  });

  it('adds a pasted class at once, and gives the line of an entry the server refused', async () => {
    const srv = fakeServer(['assistant', 'student']);
    dom.mount(UsersPage, { props: {}, context: pageContext({ api: srv.api, session: session('professor') }) });
    await settle(() => expect(dom.target.querySelector('table[aria-label="Users"]')).not.toBeNull());
    const form = dom.target.querySelector('form[aria-labelledby="add-class-title"]');

    type(dom.target.querySelector('textarea'), 'name,role\nalan\neve,professor');
    submit(form);
    await settle(() => expect(dom.target.textContent).toContain('line 3: you may not add professor accounts'));
    expect(srv.calls.some((c) => c.method === 'POST')).toBe(false);

    type(dom.target.querySelector('textarea'), 'alan\nada,student');
    submit(form);
    await settle(() => expect(dom.target.textContent).toContain('line 2: a user named "ada" already exists'));

    type(dom.target.querySelector('textarea'), 'alan\nbea,assistant');
    submit(form);
    await settle(() => {
      const fresh = dom.target.querySelector('table[aria-label="New passwords"]')?.textContent ?? '';
      expect(fresh).toContain('alan');
      expect(fresh).toContain('bea');
    });
    expect(srv.calls.filter((c) => c.method === 'POST').at(-1)?.body).toEqual({
      users: [
        { name: 'alan', role: 'student' },
        { name: 'bea', role: 'assistant' },
      ],
    });
    expect((dom.target.querySelector('textarea') as HTMLTextAreaElement).value).toBe('');
  });

  it('resets a password and deletes a user after asking', async () => {
    const srv = fakeServer(['admin', 'professor', 'assistant', 'student']);
    dom.mount(UsersPage, { props: {}, context: pageContext({ api: srv.api, session: session('admin') }) });
    await settle(() => expect(dom.target.querySelector('table[aria-label="Users"]')?.textContent).toContain('ada'));

    button(dom.target, 'Reset password').click();
    await settle(() => expect(document.querySelector('dialog[open]')?.textContent).toContain('“ada” gets a new generated password'));
    const confirm = document.querySelector('dialog[open] button.danger') as HTMLButtonElement;
    confirm.click();
    await settle(() => expect(dom.target.querySelector('table[aria-label="New passwords"]')?.textContent).toContain('reset-1'));
    expect(srv.calls.some((c) => c.method === 'PUT' && c.url === '/api/users/ada/password')).toBe(true);

    button(dom.target, 'Delete').click();
    await settle(() => expect(document.querySelector('dialog[open]')?.textContent).toContain('“ada” can no longer sign in'));
    (document.querySelector('dialog[open] button.danger') as HTMLButtonElement).click();
    await settle(() => expect(dom.target.querySelector('table[aria-label="Users"]')?.textContent).not.toContain('ada'));
    // Its password is no longer offered.
    expect(dom.target.querySelector('table[aria-label="New passwords"]')).toBeNull();
  });

  it('offers nothing to students, nor in the desktop app', async () => {
    const srv = fakeServer([]);
    dom.mount(UsersPage, { props: {}, context: pageContext({ api: srv.api, session: session('student') }) });
    await settle(() => expect(dom.target.textContent).toContain('Only admins and professors manage accounts'));
    dom.unmount();
    dom.mount(UsersPage, { props: {}, context: pageContext({ api: srv.api, session: session('admin', 'desktop') }) });
    await settle(() => expect(dom.target.textContent).toContain('The desktop app has one local user'));
    expect(srv.calls).toEqual([]);
  });
});

describe('ChangePasswordDialog', () => {
  const dom = mountTarget();

  it('checks the inputs, says when the current password is wrong, and changes it', async () => {
    const srv = fakeServer([]);
    let closed = false;
    dom.mount(ChangePasswordDialog, {
      props: { open: true, onClose: () => (closed = true) },
      context: pageContext({ api: srv.api, session: session('student') }),
    });
    await settle(() => expect(dom.target.querySelector('dialog[open]')).not.toBeNull());
    const form = dom.target.querySelector('dialog form');
    type(dom.target.querySelector('input[name="current"]'), 'wrong one');
    type(dom.target.querySelector('input[name="new"]'), 'a new password');
    type(dom.target.querySelector('input[name="repeat"]'), 'a new passwort');
    submit(form);
    await settle(() => expect(dom.target.textContent).toContain('The two new passwords differ.'));
    expect(srv.calls).toEqual([]);

    type(dom.target.querySelector('input[name="repeat"]'), 'a new password');
    submit(form);
    await settle(() => expect(dom.target.textContent).toContain('That is not your current password.'));
    expect(dom.target.querySelector('input[name="current"]')?.getAttribute('aria-invalid')).toBe('true');

    type(dom.target.querySelector('input[name="current"]'), 'old password');
    submit(form);
    await settle(() => expect(dom.target.querySelector('[role="status"]')?.textContent).toContain('Your password is changed'));
    expect(srv.calls.at(-1)?.body).toEqual({ current: 'old password', new: 'a new password' });
    button(dom.target, 'Close').click();
    expect(closed).toBe(true);
  });
});
