import { describe, expect, it } from 'vitest';
import type { LogLine } from '../lib/api.training';
import { lines } from './fixtures';
import { highlightParts, LogStore, pageLog, searchLines, type LogKey } from './log-store';

const keys = (s: LogStore) => s.lines.map((l) => `${l.attempt}:${l.seq}`);

/** A server holding these lines, paged like GET /api/jobs/{id}/logs. */
function server(all: LogLine[]) {
  const calls: LogKey[] = [];
  const fetchPage = async (after: LogKey, limit: number) => {
    calls.push(after);
    return all.filter((l) => l.attempt > after.attempt || (l.attempt === after.attempt && l.seq > after.seq)).slice(0, limit);
  };
  return { calls, fetchPage };
}

describe('the log store', () => {
  it('appends live lines in order and drops duplicates', () => {
    const s = new LogStore();
    expect(s.add(lines(1, 1, 3))).toEqual({ added: 3, gap: false });
    expect(s.add(lines(1, 3, 5))).toEqual({ added: 2, gap: false });
    expect(s.add(lines(1, 2, 4))).toEqual({ added: 0, gap: false });
    expect(keys(s)).toEqual(['1:1', '1:2', '1:3', '1:4', '1:5']);
    // A new attempt starts at 1.
    expect(s.add(lines(2, 1, 2))).toEqual({ added: 2, gap: false });
    expect(s.length).toBe(7);
  });

  it('notices gaps', () => {
    const s = new LogStore();
    expect(s.add(lines(1, 4, 5)).gap).toBe(true); // lines 1..3 missing
    const t = new LogStore();
    t.add(lines(1, 1, 2));
    expect(t.add(lines(1, 5, 6)).gap).toBe(true);
    expect(t.add(lines(2, 3, 3)).gap).toBe(true);
    expect(t.hasGap()).toBe(true);
  });

  it('sorts a batch that comes out of order', () => {
    const s = new LogStore();
    s.add([...lines(1, 3, 4), ...lines(1, 1, 2)].reverse());
    expect(keys(s)).toEqual(['1:1', '1:2', '1:3', '1:4']);
  });

  it('merges pages with live lines that came first: no duplicates, no gaps', async () => {
    const all = [...lines(1, 1, 12), ...lines(2, 1, 8)];
    const s = new LogStore();
    // Live lines arrived before the stored log was read.
    s.add(lines(2, 6, 8));
    s.add(lines(2, 7, 9)); // 2:9 is newer than the server's copy
    const srv = server(all);
    const added = await pageLog(s, srv.fetchPage, 5);
    expect(keys(s)).toEqual([...all.map((l) => `${l.attempt}:${l.seq}`), '2:9']);
    expect(added).toBe(all.length - 3);
    expect(srv.calls[0]).toEqual({ attempt: 0, seq: 0 });
    expect(s.hasGap()).toBe(false);
  });

  it('pages from where the log stops being unbroken', async () => {
    const all = lines(1, 1, 30);
    const s = new LogStore();
    s.add(lines(1, 1, 10));
    s.add(lines(1, 20, 22)); // a hole 11..19
    expect(s.resumeKey()).toEqual({ attempt: 1, seq: 10 });
    const srv = server(all);
    await pageLog(s, srv.fetchPage, 4);
    expect(srv.calls[0]).toEqual({ attempt: 1, seq: 10 });
    expect(keys(s)).toEqual(all.map((l) => `1:${l.seq}`));
    expect(s.resumeKey()).toEqual({ attempt: 1, seq: 30 });
  });

  it('does not look again for lines the server does not have', async () => {
    const s = new LogStore();
    s.add(lines(1, 1, 5));
    s.add(lines(1, 9, 10)); // 6..8 never stored
    const srv = server([...lines(1, 1, 5), ...lines(1, 9, 10)]);
    await pageLog(s, srv.fetchPage, 100);
    expect(srv.calls).toEqual([{ attempt: 1, seq: 5 }]);
    expect(s.hasGap()).toBe(false);
    expect(s.resumeKey()).toEqual({ attempt: 1, seq: 10 });
  });

  it('handles 100,000 lines quickly', async () => {
    const all = lines(1, 1, 100_000);
    const s = new LogStore();
    const t0 = performance.now();
    s.add(all.slice(99_000)); // live tail first
    await pageLog(s, server(all).fetchPage, 5000);
    for (let i = 0; i < 200; i++) s.add(lines(1, 100_001 + i * 5, 100_005 + i * 5));
    expect(s.length).toBe(101_000);
    expect(searchLines(s.lines, 'line 99999').length).toBe(1);
    expect(performance.now() - t0).toBeLessThan(2000);
  });
});

describe('log search', () => {
  const ls = [
    { attempt: 1, seq: 1, stream: 'stdout', text: 'Epoch [1/5]: Training Status', time: '' },
    { attempt: 1, seq: 2, stream: 'stdout', text: '- Val IoU: 0.2', time: '' },
    { attempt: 1, seq: 3, stream: 'stdout', text: 'Epoch [5/5]: Training Status', time: '' },
  ];

  it('finds lines, ignoring case', () => {
    expect(searchLines(ls, 'epoch')).toEqual([0, 2]);
    expect(searchLines(ls, 'EPOCH [5/5]')).toEqual([2]);
    expect(searchLines(ls, '  ')).toEqual([0, 1, 2]);
  });

  it('splits a line around its matches', () => {
    expect(highlightParts('Val IoU and val loss', 'val')).toEqual([
      { text: 'Val', match: true },
      { text: ' IoU and ', match: false },
      { text: 'val', match: true },
      { text: ' loss', match: false },
    ]);
    expect(highlightParts('abc', '')).toEqual([{ text: 'abc', match: false }]);
  });
});
