// Pages holding edits not yet saved (the tile editor) register a guard here,
// so that leaving them asks or saves first: the shell's router asks before
// another page replaces one whose saving failed, Sign out saves first, and
// closing or reloading the tab gets the browser's "leave this page?".
import { getContext, setContext } from 'svelte';

/** Edits not yet saved: on their way ('waiting'), or saving them failed. */
export type Unsaved = 'waiting' | 'failed' | null;

export interface LeaveGuard {
  unsaved(): Unsaved;
  /** Sends what is waiting; resolves once it landed or failed. */
  flush(): Promise<void>;
  /** What is lost by leaving now, said in the question (the tile editor's by default). */
  lost?(): string;
}

/** The tile editor's words: its edits are kept on this computer. */
export const tileEditsKept =
  'The last changes to this tile could not be saved. They are kept on this computer and offered again when you next open the tile.';

export class LeaveGuards {
  private readonly guards = new Set<LeaveGuard>();

  /** Adds a page's guard; returns the function that removes it. */
  add(g: LeaveGuard): () => void {
    this.guards.add(g);
    return () => this.guards.delete(g);
  }

  /** The worst of the pages' unsaved edits. */
  unsaved(): Unsaved {
    let worst: Unsaved = null;
    for (const g of this.guards) {
      const u = g.unsaved();
      if (u === 'failed') return u;
      worst ??= u;
    }
    return worst;
  }

  /** What leaving now loses, from the pages that would lose something. */
  lost(): string {
    const said = [...this.guards].filter((g) => g.unsaved() === 'failed').map((g) => g.lost?.() ?? tileEditsKept);
    return [...new Set(said)].join(' ') || tileEditsKept;
  }

  async flush(): Promise<void> {
    await Promise.all([...this.guards].map((g) => g.flush()));
  }

  /** Has the browser ask before the tab closes or reloads with unsaved edits. */
  watchUnload(win: Window): () => void {
    const beforeUnload = (e: BeforeUnloadEvent) => {
      if (this.unsaved() === null) return;
      e.preventDefault();
      // Older engines (WebKitGTK) ask only when returnValue is set.
      e.returnValue = true;
    };
    win.addEventListener('beforeunload', beforeUnload);
    return () => win.removeEventListener('beforeunload', beforeUnload);
  }
}

const key = Symbol('leave-guards');

export function setLeaveGuards(g: LeaveGuards): void {
  setContext(key, g);
}

/** The shell's guards; unwatched ones when there is no shell (tests of single pages). */
export function getLeaveGuards(): LeaveGuards {
  return getContext<LeaveGuards | undefined>(key) ?? new LeaveGuards();
}
