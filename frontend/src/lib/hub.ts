// Fans the one live event stream out to the pages that want it: the shell
// opens the stream once, a page listens while it is shown.
import type { LiveEvent } from './api';

export interface HubListener {
  onEvent(ev: LiveEvent): void;
  /** The stream came back after a break: re-read what may have been missed. */
  onResync?(): void;
}

export class LiveHub {
  private readonly listeners = new Set<HubListener>();

  /** Starts delivering to the listener; returns the function that stops it. */
  listen(l: HubListener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  emit(ev: LiveEvent): void {
    for (const l of [...this.listeners]) {
      try {
        l.onEvent(ev);
      } catch (e) {
        console.error('live event handler failed', e);
      }
    }
  }

  resync(): void {
    for (const l of [...this.listeners]) l.onResync?.();
  }
}
