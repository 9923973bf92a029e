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
  /** What onUnsaved last said: the copy a closed page would leave. */
  let unsaved: { file: LabelFile | null; base: number } = { file: null, base: 1 };
  const saver = new Saver({
    revision: 1,
    save: srv.save,
    takeSeconds: () => seconds,
    giveBackSeconds: (s) => (given += s),
    onState: (s) => states.push(s.kind),
    onConflict: () => conflicts++,
    onUnsaved: (file, base) => (unsaved = { file, base }),
    timers: t.timers,
    delay: 400,
    retryDelay: 1000,
  });
  return { t, srv, states, saver, given: () => given, conflicts: () => conflicts, unsaved: () => unsaved };
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

  it('sends at most an hour of editing time per save and carries the rest over', async () => {
    // Two hours edited offline: the server refuses edit_seconds over 3600.
    let owed = 7200;
    const t = fakeTimers();
    const srv = fakeServer();
    const saver = new Saver({
      revision: 1,
      save: srv.save,
      takeSeconds: () => {
        const s = owed;
        owed = 0;
        return s;
      },
      giveBackSeconds: (s) => (owed += s),
      onState: () => {},
      timers: t.timers,
    });
    saver.edit(file(1));
    t.advance(400);
    expect(srv.calls[0]!.req.editSeconds).toBe(3600);
    expect(owed).toBe(3600);
    srv.answer(0);
    await tick();
    saver.edit(file(2));
    t.advance(400);
    expect(srv.calls[1]!.req.editSeconds).toBe(3600);
    expect(owed).toBe(0);
  });

  it('keeps mine over their newer revision: sends my file at once, based on theirs', async () => {
    const { t, srv, saver } = setup();
    saver.edit(file(1));
    t.advance(400);
    srv.answer(0);
    await tick();
    expect(saver.revision).toBe(2);
    // Someone else saved revision 5; I keep my file.
    saver.overwrite(5, file(1));
    expect(srv.calls).toHaveLength(2);
    expect(srv.calls[1]!.req).toMatchObject({ file: file(1), baseRevision: 5 });
    srv.answer(1);
    await tick();
    expect(saver.revision).toBe(6);
    saver.edit(file(2));
    t.advance(400);
    expect(srv.calls[2]!.req.baseRevision).toBe(6);
  });

  it('reports the unsaved edit for a backup until a save of it lands', async () => {
    const { t, srv, saver, unsaved } = setup();
    saver.edit(file(1));
    expect(unsaved()).toEqual({ file: file(1), base: 1 });
    t.advance(400);
    saver.edit(file(2)); // while the first is in flight
    srv.answer(0);
    await tick();
    // The first landed: the second now goes on revision 2.
    expect(unsaved()).toEqual({ file: file(2), base: 2 });
    t.advance(400);
    srv.calls[1]!.reject(new ApiError('network', 'cannot reach the Tessera server', 0));
    await tick();
    expect(unsaved()).toEqual({ file: file(2), base: 2 });
    t.advance(1000);
    srv.answer(2);
    await tick();
    expect(unsaved().file).toBeNull();
  });

  it('sends what is waiting when the page closes, then never retries', async () => {
    const { t, srv, saver, unsaved } = setup();
    saver.edit(file(1));
    t.advance(400);
    saver.edit(file(2));
    saver.dispose();
    // The waiting edit goes at once, on the revision the one in flight gives.
    expect(srv.calls).toHaveLength(2);
    expect(srv.calls[1]!.req).toMatchObject({ file: file(2), baseRevision: 2 });
    srv.answer(0);
    srv.calls[1]!.reject(new ApiError('network', 'cannot reach the Tessera server', 0));
    await tick();
    t.advance(120_000);
    expect(srv.calls).toHaveLength(2);
    // The failed edit stays with the backup for a reopened page.
    expect(unsaved()).toEqual({ file: file(2), base: 2 });
    await saver.idle();
  });
});
