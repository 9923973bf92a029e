// Active editing time: seconds in which the page was visible and the person
// used the pointer or the keyboard within the last `window` seconds. Clock
// readings are passed in, so the counting is exact and testable.
export class ActiveTime {
  private readonly windowMs: number;
  private lastActivity = -Infinity;
  /** Up to when time has been counted. */
  private mark: number;
  private visible: boolean;
  private ms = 0;

  constructor(now: number, visible = true, windowSeconds = 30) {
    this.mark = now;
    this.visible = visible;
    this.windowMs = windowSeconds * 1000;
  }

  /** Counts the time since the mark that was active. */
  private advance(now: number): void {
    if (now <= this.mark) return;
    if (this.visible) {
      const end = Math.min(now, this.lastActivity + this.windowMs);
      if (end > this.mark) this.ms += end - this.mark;
    }
    this.mark = now;
  }

  /** A pointer or keyboard event. */
  activity(now: number): void {
    this.advance(now);
    this.lastActivity = now;
  }

  setVisible(visible: boolean, now: number): void {
    this.advance(now);
    this.visible = visible;
    // Coming back is not activity by itself.
    if (!visible) this.lastActivity = -Infinity;
  }

  /** Whole active seconds counted so far, taken away (the rest stays). */
  take(now: number): number {
    this.advance(now);
    const s = Math.floor(this.ms / 1000);
    this.ms -= s * 1000;
    return s;
  }

  /** Gives back seconds a failed save did not deliver. */
  giveBack(seconds: number): void {
    if (seconds > 0) this.ms += seconds * 1000;
  }
}
