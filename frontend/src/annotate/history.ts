// Undo and redo over whole snapshots: each edit pushes the file as it became,
// undo and redo walk back and forth. Snapshots are immutable, so holding
// many costs only what the edits changed.
export class History<T> {
  private past: T[] = [];
  private future: T[] = [];
  private now: T;
  private readonly limit: number;

  constructor(initial: T, limit = 200) {
    this.now = initial;
    this.limit = limit;
  }

  get current(): T {
    return this.now;
  }

  get canUndo(): boolean {
    return this.past.length > 0;
  }

  get canRedo(): boolean {
    return this.future.length > 0;
  }

  /** Records a new state; what was undone before can no longer be redone. */
  push(next: T): void {
    if (next === this.now) return;
    this.past.push(this.now);
    if (this.past.length > this.limit) this.past.shift();
    this.future = [];
    this.now = next;
  }

  undo(): T | undefined {
    const prev = this.past.pop();
    if (prev === undefined) return undefined;
    this.future.push(this.now);
    this.now = prev;
    return prev;
  }

  redo(): T | undefined {
    const next = this.future.pop();
    if (next === undefined) return undefined;
    this.past.push(this.now);
    this.now = next;
    return next;
  }

  /** Starts over from a state (a reload): nothing to undo or redo. */
  reset(state: T): void {
    this.past = [];
    this.future = [];
    this.now = state;
  }
}
