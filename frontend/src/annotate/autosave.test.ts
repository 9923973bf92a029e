import { describe, expect, it } from 'vitest';
import { ApiError, type LabelFile, type LabelsSaved } from '../lib/api';
import { Saver, type SaveRequest, type SaveState, type Timers } from './autosave';
import { emptyFile } from './labels';

/** Timers run by hand: advance(ms) fires what is due. */
function fakeTimers() {
  let now = 0;
  let seq = 0;
  const due = new Map<number, { at: number; fn: () => void }>();
  const timers: Timers = {
    set: (fn, ms) => {
      due.set(++seq, { at: now + ms, fn });
      return seq;
    },
    clear: (h) => void due.delete(h as number),
  };
  return {
    timers,
    advance(ms: number) {
      now += ms;
      for (const [id, t] of [...due].sort((a, b) => a[1].at - b[1].at)) {
        if (t.at <= now) {
          due.delete(id);
          t.fn();
        }
      }
    },
    pending: () => due.size,
  };
}

function file(n: number): LabelFile {
  return { ...emptyFile(`t${n}`), labels: [] };
}

/** A server whose answers are released by hand. */
function fakeServer() {
  const calls: { req: SaveRequest; resolve: (r: LabelsSaved) => void; reject: (e: unknown) => void }[] = [];
  let revision = 1;
  return {
    calls,
    save: (req: SaveRequest) =>
      new Promise<LabelsSaved>((resolve, reject) => {
        calls.push({ req, resolve, reject });
      }),
    answer(i: number) {
      const c = calls[i]!;
      revision = c.req.baseRevision + 1;
      c.resolve({ revision, complete: false, problems: [] });
    },
  };
}

const tick = () => new Promise<void>((r) => setTimeout(r, 0));

function setup(seconds = 3) {
  const t = fakeTimers();
  const srv = fakeServer();
  const states: SaveState['kind'][] = [];
  let given = 0;
  let conflicts = 0;
  const saver = new Saver({
    revision: 1,
    save: srv.save,
    takeSeconds: () => seconds,
    giveBackSeconds: (s) => (given += s),
    onState: (s) => states.push(s.kind),
    onConflict: () => conflicts++,
    timers: t.timers,
    delay: 400,
    retryDelay: 1000,
  });
  return { t, srv, states, saver, given: () => given, conflicts: () => conflicts };
}

describe('Saver', () => {
  it('debounces edits into one save with the newest file', async () => {
    const { t, srv, saver, states } = setup();
    saver.edit(file(1));
    t.advance(300);
    saver.edit(file(2));
    t.advance(300);
    expect(srv.calls).toHaveLength(0);
    t.advance(100);
    expect(srv.calls).toHaveLength(1);
    expect(srv.calls[0]!.req).toMatchObject({ file: file(2), baseRevision: 1, editSeconds: 3, keepalive: false });
    srv.answer(0);
    await tick();
    expect(saver.revision).toBe(2);
    expect(saver.dirty).toBe(false);
    expect(states).toEqual(['pending', 'pending', 'saving', 'saved']);
  });

  it('keeps one save in flight and queues one more for newer edits', async () => {
    const { t, srv, saver } = setup();
    saver.edit(file(1));
    t.advance(400);
    saver.edit(file(2));
    t.advance(400);
    saver.edit(file(3));
    t.advance(400);
    expect(srv.calls).toHaveLength(1); // still in flight
    srv.answer(0);
    await tick();
    expect(srv.calls).toHaveLength(2);
    expect(srv.calls[1]!.req.file).toEqual(file(3));
    expect(srv.calls[1]!.req.baseRevision).toBe(2);
    srv.answer(1);
    await tick();
    expect(saver.revision).toBe(3);
    expect(saver.dirty).toBe(false);
    expect(saver.state.kind).toBe('saved');
  });

  it('stops on a conflict and gives the seconds back', async () => {
    const { t, srv, saver, conflicts, given } = setup();
    saver.edit(file(1));
    t.advance(400);
    srv.calls[0]!.reject(new ApiError('conflict', 'someone else saved this tile', 409));
    await tick();
    expect(saver.state).toEqual({ kind: 'conflict', message: 'someone else saved this tile' });
    expect(conflicts()).toBe(1);
    expect(given()).toBe(3);
    saver.edit(file(2));
    t.advance(1000);
    expect(srv.calls).toHaveLength(1);
    saver.reset(7);
    saver.edit(file(3));
    t.advance(400);
    expect(srv.calls[1]!.req.baseRevision).toBe(7);
  });

  it('keeps the edit after a failure and retries network errors', async () => {
    const { t, srv, saver } = setup();
    saver.edit(file(1));
    t.advance(400);
    srv.calls[0]!.reject(new ApiError('network', 'cannot reach the Tessera server', 0));
    await tick();
    expect(saver.state).toEqual({ kind: 'error', message: 'cannot reach the Tessera server' });
    expect(saver.dirty).toBe(true);
    t.advance(1000);
    expect(srv.calls).toHaveLength(2);
    expect(srv.calls[1]!.req.file).toEqual(file(1));
    srv.answer(1);
    await tick();
    expect(saver.state.kind).toBe('saved');
  });

  it('does not retry a rejected file by itself, but the next edit tries', async () => {
    const { t, srv, saver } = setup();
    saver.edit(file(1));
    t.advance(400);
    srv.calls[0]!.reject(new ApiError('invalid', 'bad label', 400));
    await tick();
    t.advance(60_000);
    expect(srv.calls).toHaveLength(1);
    saver.edit(file(2));
    t.advance(400);
    expect(srv.calls).toHaveLength(2);
  });

  it('flushes at once with keepalive, and forces a save on pagehide', async () => {
    const { t, srv, saver } = setup();
    saver.edit(file(1));
    saver.flush({ keepalive: true });
    expect(srv.calls[0]!.req.keepalive).toBe(true);
    expect(t.pending()).toBe(0);
    saver.edit(file(2));
    saver.flush({ keepalive: true });
    expect(srv.calls).toHaveLength(1); // waits for the one in flight
    saver.flush({ keepalive: true, force: true });
    expect(srv.calls).toHaveLength(2);
    expect(srv.calls[1]!.req).toMatchObject({ keepalive: true, baseRevision: 2, file: file(2) });
    srv.answer(0);
    srv.answer(1);
    await tick();
    expect(saver.dirty).toBe(false);
    const idle = saver.idle();
    await idle;
  });
});
