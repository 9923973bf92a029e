// A job's log in the browser: lines from the live stream and from paging
// the stored log, merged in (attempt, seq) order without duplicates, with
// what is needed to find and fill the gaps. Lines of one attempt are
// numbered 1, 2, 3…; a new attempt starts again at 1.
import type { LogLine } from '../lib/api.training';

export interface LogKey {
  attempt: number;
  seq: number;
}

export const start: LogKey = { attempt: 0, seq: 0 };

export function compareKeys(a: LogKey, b: LogKey): number {
  return a.attempt - b.attempt || a.seq - b.seq;
}

/** Whether b comes straight after a: the next line of the attempt, or the first of a later one. */
export function follows(a: LogKey, b: LogKey): boolean {
  return (b.attempt === a.attempt && b.seq === a.seq + 1) || (b.attempt > a.attempt && b.seq === 1);
}

export interface AddResult {
  added: number;
  /** Some line added does not follow the line before it: lines are missing there. */
  gap: boolean;
}

export class LogStore {
  /** Every line, in (attempt, seq) order, each once. */
  lines: LogLine[] = [];
  /** Bumped on every change, for views that redraw. */
  version = 0;
  /** lines[0..settled] are as complete as the server had them when last paged. */
  private settled = -1;

  get length(): number {
    return this.lines.length;
  }

  last(): LogKey | null {
    return this.lines[this.lines.length - 1] ?? null;
  }

  /** Merges lines in; duplicates (same attempt and seq) are dropped. */
  add(batch: LogLine[]): AddResult {
    if (batch.length === 0) return { added: 0, gap: false };
    const sorted = isSorted(batch) ? batch : [...batch].sort(compareKeys);
    const last = this.last();
    const first = sorted[0]!;
    if (last === null || compareKeys(first, last) > 0) {
      // The usual case, live lines at the end: append.
      let gap = last === null ? first.seq !== 1 : !follows(last, first);
      let prev: LogKey | null = last;
      let added = 0;
      for (const l of sorted) {
        if (prev && compareKeys(l, prev) === 0) continue;
        if (prev && prev !== last && !follows(prev, l)) gap = true;
        this.lines.push(l);
        prev = l;
        added++;
      }
      this.version++;
      return { added, gap };
    }
    return this.merge(sorted);
  }

  /** Merges a sorted batch that reaches back into the lines held. */
  private merge(batch: LogLine[]): AddResult {
    const old = this.lines;
    const out: LogLine[] = [];
    let i = 0;
    let j = 0;
    let added = 0;
    let gap = false;
    const settledKey: LogKey | null = this.settled >= 0 ? (old[this.settled] ?? null) : null;
    const push = (l: LogLine, isNew: boolean) => {
      const prev = out[out.length - 1];
      if (prev && compareKeys(prev, l) === 0) return;
      if (isNew) {
        added++;
        if (prev ? !follows(prev, l) : l.seq !== 1) gap = true;
      }
      out.push(l);
    };
    while (i < old.length || j < batch.length) {
      const a = old[i];
      const b = batch[j];
      if (b === undefined || (a !== undefined && compareKeys(a, b) <= 0)) {
        push(a!, false);
        i++;
      } else {
        push(b, true);
        j++;
      }
    }
    this.lines = out;
    if (settledKey) this.settled = this.indexOf(settledKey);
    if (added > 0) this.version++;
    return { added, gap };
  }

  /** The index of the line with this key, or -1. */
  indexOf(key: LogKey): number {
    let lo = 0;
    let hi = this.lines.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const c = compareKeys(this.lines[mid]!, key);
      if (c === 0) return mid;
      if (c < 0) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /**
   * Where paging should continue: the last line of the unbroken run that
   * starts at the settled part (or at the beginning), or `start`.
   */
  resumeKey(): LogKey {
    let i = this.settled;
    if (i < 0) {
      const first = this.lines[0];
      if (!first || first.seq !== 1) return start;
      i = 0;
    }
    while (i + 1 < this.lines.length && follows(this.lines[i]!, this.lines[i + 1]!)) i++;
    const l = this.lines[i];
    return l ? { attempt: l.attempt, seq: l.seq } : start;
  }

  /** Whether there is a hole after the settled part that paging could fill. */
  hasGap(): boolean {
    const r = this.resumeKey();
    const last = this.last();
    return last !== null && compareKeys(r, last) < 0;
  }

  /**
   * Paging reached the server's end at this key: what is up to here is all
   * there is, so holes before it are not looked for again.
   */
  markSettled(key: LogKey): void {
    let lo = 0;
    let hi = this.lines.length - 1;
    let at = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (compareKeys(this.lines[mid]!, key) <= 0) {
        at = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    this.settled = Math.max(this.settled, at);
  }

  clear(): void {
    this.lines = [];
    this.settled = -1;
    this.version++;
  }
}

function isSorted(batch: LogLine[]): boolean {
  for (let i = 1; i < batch.length; i++) if (compareKeys(batch[i - 1]!, batch[i]!) > 0) return false;
  return true;
}

export type PageFetch = (after: LogKey, limit: number) => Promise<LogLine[]>;

/**
 * Pages the stored log into the store from where it is unbroken until the
 * server has no more, merging with whatever live lines arrive meanwhile.
 * Returns the number of lines added.
 */
export async function pageLog(store: LogStore, fetchPage: PageFetch, limit = 5000, isCancelled: () => boolean = () => false): Promise<number> {
  let after = store.resumeKey();
  let added = 0;
  for (;;) {
    const page = await fetchPage(after, limit);
    if (isCancelled()) return added;
    added += store.add(page).added;
    const lastOfPage = page[page.length - 1];
    if (page.length < limit || !lastOfPage) {
      store.markSettled(lastOfPage ?? after);
      return added;
    }
    after = { attempt: lastOfPage.attempt, seq: lastOfPage.seq };
  }
}

/** Indices of the lines containing the query (case-insensitive); all lines for an empty query. */
export function searchLines(lines: readonly LogLine[], query: string): number[] {
  const q = query.trim().toLowerCase();
  const out: number[] = [];
  if (q === '') {
    for (let i = 0; i < lines.length; i++) out.push(i);
    return out;
  }
  for (let i = 0; i < lines.length; i++) if (lines[i]!.text.toLowerCase().includes(q)) out.push(i);
  return out;
}

/** A line split around the matches of a query, for highlighting. */
export function highlightParts(text: string, query: string): { text: string; match: boolean }[] {
  const q = query.trim().toLowerCase();
  if (q === '') return [{ text, match: false }];
  const lower = text.toLowerCase();
  const out: { text: string; match: boolean }[] = [];
  let at = 0;
  for (;;) {
    const k = lower.indexOf(q, at);
    if (k < 0) break;
    if (k > at) out.push({ text: text.slice(at, k), match: false });
    out.push({ text: text.slice(k, k + q.length), match: true });
    at = k + q.length;
  }
  if (at < text.length) out.push({ text: text.slice(at), match: false });
  return out;
}
