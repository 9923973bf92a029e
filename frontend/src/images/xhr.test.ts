import { describe, expect, it, vi } from 'vitest';
import { ApiError, Client } from '../lib/api';
import { imageFixture } from './fixtures';
import { xhrTransport } from './xhr';

/** Just enough of XMLHttpRequest for the transport; the test plays the server. */
class FakeXHR {
  static last: FakeXHR | null = null;
  method = '';
  url = '';
  headers: Record<string, string> = {};
  body: unknown = null;
  status = 0;
  statusText = '';
  responseText = '';
  upload: { onprogress: ((e: { loaded: number }) => void) | null } = { onprogress: null };
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  onabort: (() => void) | null = null;

  constructor() {
    FakeXHR.last = this;
  }
  open(method: string, url: string) {
    this.method = method;
    this.url = url;
  }
  setRequestHeader(k: string, v: string) {
    this.headers[k] = v;
  }
  send(body: unknown) {
    this.body = body;
  }
  answer(status: number, body: unknown, statusText = '') {
    this.status = status;
    this.statusText = statusText;
    this.responseText = typeof body === 'string' ? body : JSON.stringify(body);
    this.onload?.();
  }
}

const XHR = FakeXHR as unknown as typeof XMLHttpRequest;

function file(name: string, bytes: number): File {
  return new File([new Uint8Array(bytes)], name, { type: 'image/png' });
}

describe('xhrTransport', () => {
  it('posts the raw file with its name and reports progress', async () => {
    const send = xhrTransport(new Client(), 3, XHR);
    const progress: number[] = [];
    const f = file('slide 1.png', 2048);
    const p = send(f, (n) => progress.push(n));
    const xhr = FakeXHR.last!;
    expect(xhr.method).toBe('POST');
    expect(xhr.url).toBe('/api/projects/3/images?name=slide%201.png');
    expect(xhr.headers['Content-Type']).toBe('application/octet-stream');
    expect(xhr.body).toBe(f);
    xhr.upload.onprogress?.({ loaded: 1024 });
    const img = imageFixture({ state: 'queued' });
    xhr.answer(201, { result: { imported: [img], duplicates: [], failed: [] } });
    await expect(p).resolves.toEqual({ imported: [img], duplicates: [], failed: [] });
    expect(progress).toEqual([1024]);
  });

  it('turns an error answer into the server message', async () => {
    const onUnauthorized = vi.fn();
    const send = xhrTransport(new Client({ onUnauthorized }), 3, XHR);
    const p = send(file('huge.tif', 10), () => {});
    FakeXHR.last!.answer(413, { error: { code: 'too_large', message: 'the file is larger than 4 GB' } }, 'Payload Too Large');
    await expect(p).rejects.toMatchObject({ code: 'too_large', status: 413, message: 'the file is larger than 4 GB' });

    const p2 = send(file('a.png', 10), () => {});
    FakeXHR.last!.answer(401, { error: { code: 'unauthorized', message: 'sign in first' } });
    await expect(p2).rejects.toBeInstanceOf(ApiError);
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
  });

  it('fails cleanly on a cut connection or a broken answer', async () => {
    const send = xhrTransport(new Client(), 3, XHR);
    const p = send(file('a.png', 10), () => {});
    FakeXHR.last!.onerror?.();
    await expect(p).rejects.toMatchObject({ code: 'network' });

    const p2 = send(file('a.png', 10), () => {});
    FakeXHR.last!.answer(201, 'not json');
    await expect(p2).rejects.toMatchObject({ code: 'internal' });

    const p3 = send(file('a.png', 10), () => {});
    FakeXHR.last!.answer(201, { result: { imported: [{ id: 'x' }] } });
    await expect(p3).rejects.toMatchObject({ code: 'internal' });
  });
});
