import { describe, expect, it } from 'vitest';
import { atBottom, listWindow, scrollToRow } from './virtual';

describe('the virtual list window', () => {
  it('draws the visible rows and some beyond', () => {
    // 100,000 rows of 20 px, a 400 px viewport scrolled to row 500.
    const w = listWindow({ count: 100_000, rowHeight: 20, scrollTop: 10_000, viewport: 400, overscan: 10 });
    expect(w).toEqual({ start: 490, end: 531, offset: 9800, height: 2_000_000 });
    expect(w.end - w.start).toBeLessThan(60);
  });

  it('clamps at the top and the bottom', () => {
    expect(listWindow({ count: 100, rowHeight: 20, scrollTop: -50, viewport: 400, overscan: 5 })).toEqual({
      start: 0,
      end: 26,
      offset: 0,
      height: 2000,
    });
    const end = listWindow({ count: 100, rowHeight: 20, scrollTop: 99_999, viewport: 400, overscan: 5 });
    expect(end.end).toBe(100);
    expect(end.start).toBe(75);
  });

  it('handles short and empty lists', () => {
    expect(listWindow({ count: 3, rowHeight: 20, scrollTop: 0, viewport: 400 })).toEqual({ start: 0, end: 3, offset: 0, height: 60 });
    expect(listWindow({ count: 0, rowHeight: 20, scrollTop: 0, viewport: 400 })).toEqual({ start: 0, end: 0, offset: 0, height: 0 });
  });

  it('knows when the view is at the end', () => {
    expect(atBottom(600, 400, 1000)).toBe(true);
    expect(atBottom(597, 400, 1000)).toBe(true);
    expect(atBottom(500, 400, 1000)).toBe(false);
    expect(atBottom(500, 400, 1000, 100)).toBe(true);
  });

  it('scrolls a row to the middle', () => {
    expect(scrollToRow(500, 20, 400, 100_000)).toBe(9810);
    expect(scrollToRow(2, 20, 400, 100_000)).toBe(0);
    expect(scrollToRow(99_999, 20, 400, 100_000)).toBe(1_999_600);
  });
});
