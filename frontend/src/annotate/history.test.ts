import { describe, expect, it } from 'vitest';
import { History } from './history';

describe('History', () => {
  it('undoes and redoes snapshots', () => {
    const h = new History('a');
    expect(h.canUndo).toBe(false);
    h.push('b');
    h.push('c');
    expect(h.undo()).toBe('b');
    expect(h.undo()).toBe('a');
    expect(h.undo()).toBeUndefined();
    expect(h.current).toBe('a');
    expect(h.redo()).toBe('b');
    expect(h.canRedo).toBe(true);
    // A new edit drops what was undone.
    h.push('x');
    expect(h.canRedo).toBe(false);
    expect(h.redo()).toBeUndefined();
    expect(h.undo()).toBe('b');
    h.reset('z');
    expect(h.canUndo || h.canRedo).toBe(false);
    expect(h.current).toBe('z');
  });

  it('ignores pushing the same snapshot and keeps at most limit steps', () => {
    const h = new History(0, 3);
    h.push(0);
    expect(h.canUndo).toBe(false);
    for (let i = 1; i <= 5; i++) h.push(i);
    let n = 0;
    while (h.undo() !== undefined) n++;
    expect(n).toBe(3);
    expect(h.current).toBe(2);
  });
});
