import { describe, expect, it, vi } from 'vitest';
import { ApiError, Client, decodeEvent, errorFromResponse, errorMessage, type Fetch } from './api';

interface Call {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: unknown;
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

/** A client whose fetch answers from `respond` and records each request. */
function stub(respond: (call: Call) => Response | Promise<Response>) {
  const calls: Call[] = [];
  const fetch: Fetch = async (url, init) => {
    const call: Call = {
      url,
      method: init?.method ?? 'GET',
      headers: (init?.headers ?? {}) as Record<string, string>,
      body: init?.body,
    };
    calls.push(call);
    return respond(call);
  };
  return { calls, fetch };
}

const project = {
  id: 3,
  name: 'Cells 101',
  description: 'HeLa nuclei',
  created_at: '2026-11-27T04:00:00Z',
  updated_at: '2026-11-27T04:00:00Z',
};

describe('Client requests', () => {
  it('lists projects', async () => {
    const s = stub(() => json(200, { projects: [project] }));
    const api = new Client({ fetch: s.fetch });
    await expect(api.listProjects()).resolves.toEqual([project]);
    expect(s.calls).toHaveLength(1);
    expect(s.calls[0]).toMatchObject({ url: '/api/projects', method: 'GET', body: undefined });
  });

  it('reads a null projects list as empty', async () => {
    const s = stub(() => json(200, { projects: null }));
    await expect(new Client({ fetch: s.fetch }).listProjects()).resolves.toEqual([]);
  });

  it('creates a project with a JSON body', async () => {
    const s = stub(() => json(201, project));
    const api = new Client({ fetch: s.fetch, baseUrl: 'http://127.0.0.1:9/' });
    await expect(api.createProject({ name: 'Cells 101', description: 'HeLa nuclei' })).resolves.toEqual(project);
    const c = s.calls[0]!;
    expect(c.url).toBe('http://127.0.0.1:9/api/projects');
    expect(c.method).toBe('POST');
    expect(c.headers['Content-Type']).toBe('application/json');
    expect(JSON.parse(c.body as string)).toEqual({ name: 'Cells 101', description: 'HeLa nuclei' });
  });

  it('sends only the changed fields in PATCH', async () => {
    const s = stub(() => json(200, { ...project, name: 'Cells 102' }));
    const api = new Client({ fetch: s.fetch });
    const p = await api.updateProject(3, { name: 'Cells 102' });
    expect(p.name).toBe('Cells 102');
    expect(s.calls[0]).toMatchObject({ url: '/api/projects/3', method: 'PATCH' });
    expect(JSON.parse(s.calls[0]!.body as string)).toEqual({ name: 'Cells 102' });
  });

  it('gets one project', async () => {
    const s = stub(() => json(200, project));
    await expect(new Client({ fetch: s.fetch }).getProject(3)).resolves.toEqual(project);
    expect(s.calls[0]).toMatchObject({ url: '/api/projects/3', method: 'GET' });
  });

  it('deletes a project and accepts 204', async () => {
    const s = stub(() => new Response(null, { status: 204 }));
    await expect(new Client({ fetch: s.fetch }).deleteProject(3)).resolves.toBeUndefined();
    expect(s.calls[0]).toMatchObject({ url: '/api/projects/3', method: 'DELETE', body: undefined });
  });

  it('signs in and out', async () => {
    const session = {
      user: { id: 1, name: 'admin', role: 'admin', created_at: '2026-11-27T04:00:00Z' },
      mode: 'server',
    };
    const s = stub((c) => (c.url === '/api/logout' ? new Response(null, { status: 204 }) : json(200, session)));
    const api = new Client({ fetch: s.fetch });
    await expect(api.login('admin', 'secret')).resolves.toEqual(session);
    expect(s.calls[0]).toMatchObject({ url: '/api/login', method: 'POST' });
    expect(JSON.parse(s.calls[0]!.body as string)).toEqual({ name: 'admin', password: 'secret' });
    await api.logout();
    expect(s.calls[1]).toMatchObject({ url: '/api/logout', method: 'POST', body: undefined });
  });

  it('reads health', async () => {
    const s = stub(() => json(200, { status: 'ok', version: '0.1.0', mode: 'desktop' }));
    await expect(new Client({ fetch: s.fetch }).health()).resolves.toEqual({
      status: 'ok',
      version: '0.1.0',
      mode: 'desktop',
    });
  });

  it('sends raw bytes as octet-stream', async () => {
    const s = stub(() => json(200, {}));
    const bytes = new Uint8Array([1, 2, 3]);
    await new Client({ fetch: s.fetch }).request('PUT', '/api/x', bytes);
    expect(s.calls[0]!.body).toBe(bytes);
    expect(s.calls[0]!.headers['Content-Type']).toBe('application/octet-stream');
  });

  it('refuses Blob and FormData bodies before sending', async () => {
    const s = stub(() => json(200, {}));
    const api = new Client({ fetch: s.fetch });
    await expect(api.request('PUT', '/api/x', new Blob(['x']) as never)).rejects.toBeInstanceOf(ApiError);
    await expect(api.request('PUT', '/api/x', new FormData() as never)).rejects.toBeInstanceOf(ApiError);
    expect(s.calls).toHaveLength(0);
  });
});

describe('Client errors', () => {
  it('throws ApiError with the server code and message', async () => {
    const s = stub(() => json(400, { error: { code: 'invalid', message: 'project name is required' } }));
    const err = await new Client({ fetch: s.fetch }).createProject({ name: '', description: '' }).catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ code: 'invalid', message: 'project name is required', status: 400 });
    expect(errorMessage(err)).toBe('project name is required');
  });

  it('maps conflict and not_found', async () => {
    const s = stub((c) =>
      c.method === 'POST'
        ? json(409, { error: { code: 'conflict', message: 'a project named "A" already exists' } })
        : json(404, { error: { code: 'not_found', message: 'project not found' } }),
    );
    const api = new Client({ fetch: s.fetch });
    await expect(api.createProject({ name: 'A', description: '' })).rejects.toMatchObject({
      code: 'conflict',
      status: 409,
    });
    await expect(api.getProject(9)).rejects.toMatchObject({ code: 'not_found', message: 'project not found' });
  });

  it('calls onUnauthorized on 401', async () => {
    const onUnauthorized = vi.fn();
    const s = stub(() => json(401, { error: { code: 'unauthorized', message: 'sign in first' } }));
    const api = new Client({ fetch: s.fetch, onUnauthorized });
    await expect(api.session()).rejects.toMatchObject({ code: 'unauthorized', status: 401 });
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
    expect(onUnauthorized.mock.calls[0]![0]).toBeInstanceOf(ApiError);
  });

  it('falls back on the status when the body is not an API error', () => {
    expect(errorFromResponse(502, 'Bad Gateway', '<html>oops</html>')).toMatchObject({
      code: 'internal',
      status: 502,
      message: 'the server answered 502 Bad Gateway',
    });
    expect(errorFromResponse(403, '', '')).toMatchObject({ code: 'forbidden', status: 403 });
    expect(errorFromResponse(429, '', '{"error":{"code":"too_many","message":"too many failed sign-ins: try again in 5 minutes"}}')).toMatchObject({
      code: 'too_many',
      status: 429,
      message: 'too many failed sign-ins: try again in 5 minutes',
    });
    expect(errorFromResponse(429, 'Too Many Requests', '')).toMatchObject({ code: 'too_many' });
    expect(errorFromResponse(413, '', '{"error":{"code":"weird","message":"too big"}}')).toMatchObject({
      code: 'too_large',
      message: 'too big',
    });
  });

  it('turns a failed fetch into a network ApiError', async () => {
    const fetch: Fetch = () => Promise.reject(new TypeError('Failed to fetch'));
    await expect(new Client({ fetch }).listProjects()).rejects.toMatchObject({
      code: 'network',
      status: 0,
      message: 'cannot reach the Tessera server: Failed to fetch',
    });
  });

  it('rejects responses that break the contract', async () => {
    const s = stub(() => json(200, { projects: [{ id: '3', name: 'x' }] }));
    await expect(new Client({ fetch: s.fetch }).listProjects()).rejects.toMatchObject({ code: 'internal' });
    const s2 = stub(() => json(200, { user: { id: 1, name: 'a', role: 'king', created_at: '' }, mode: 'server' }));
    await expect(new Client({ fetch: s2.fetch }).session()).rejects.toMatchObject({ code: 'internal' });
    const s3 = stub(() => new Response('not json', { status: 200 }));
    await expect(new Client({ fetch: s3.fetch }).listProjects()).rejects.toMatchObject({ code: 'internal' });
  });
});

describe('decodeEvent', () => {
  it('reads events from objects and from JSON text', () => {
    const ev = { type: 'project.created', project_id: 4, data: { id: 4 }, time: '2026-11-27T04:00:00Z' };
    expect(decodeEvent(ev)).toEqual(ev);
    expect(decodeEvent(JSON.stringify(ev))).toEqual(ev);
    expect(decodeEvent({ type: 'project.deleted', time: 't' })).toEqual({ type: 'project.deleted', time: 't' });
  });

  it('ignores what is not an event', () => {
    expect(decodeEvent('nope')).toBeNull();
    expect(decodeEvent({ kind: 'x' })).toBeNull();
    expect(decodeEvent(null)).toBeNull();
  });
});
