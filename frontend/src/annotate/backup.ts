// A copy of a tile's unsaved edit in this browser (localStorage), so that a
// closed tab, an ended session or a save that kept failing loses nothing:
// the editor offers it back when the tile is opened again on the revision
// the edit was based on. One copy per person and tile.
import type { LabelFile } from '../lib/api';

export interface Backup {
  file: LabelFile;
  /** The revision the edit goes on. */
  baseRevision: number;
  /** When it was kept (RFC 3339). */
  savedAt: string;
  /** The editor that wrote it: a page only clears its own copy. */
  owner: string;
}

let pages = 0;

export class Backups {
  /** This editor's name on the copies it writes. */
  readonly owner = `${Date.now().toString(36)}-${++pages}`;

  constructor(
    private readonly storage: Storage | null,
    /** Whose edits: the signed-in user's id. */
    private readonly user: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  private key(tileId: number): string {
    return `tessera.unsaved.${this.user}.${tileId}`;
  }

  read(tileId: number): Backup | null {
    try {
      const v = JSON.parse(this.storage?.getItem(this.key(tileId)) ?? 'null') as unknown;
      return isBackup(v) ? v : null;
    } catch {
      return null;
    }
  }

  write(tileId: number, file: LabelFile, baseRevision: number): void {
    const b: Backup = { file, baseRevision, savedAt: this.now().toISOString(), owner: this.owner };
    try {
      this.storage?.setItem(this.key(tileId), JSON.stringify(b));
    } catch {
      // Full (or private mode): an older copy would be offered as if it
      // were the last edit, so none is better.
      this.drop(tileId);
    }
  }

  /**
   * The copy to offer back when the tile was loaded at `revision` holding
   * `loaded`: only one that goes on that very revision and differs from it.
   * Any other is dropped: it was saved after all, or a newer revision
   * overtook it.
   */
  offer(tileId: number, revision: number, loaded: LabelFile): Backup | null {
    const b = this.read(tileId);
    if (b && b.baseRevision === revision && JSON.stringify(b.file) !== JSON.stringify(loaded)) return b;
    if (b) this.drop(tileId);
    return null;
  }

  /** Removes the copy if this editor wrote it (a newer page may own it now). */
  clear(tileId: number): void {
    if (this.read(tileId)?.owner === this.owner) this.drop(tileId);
  }

  /** Removes the copy whoever wrote it. */
  drop(tileId: number): void {
    try {
      this.storage?.removeItem(this.key(tileId));
    } catch {
      // nothing to do
    }
  }
}

function isBackup(v: unknown): v is Backup {
  if (typeof v !== 'object' || v === null) return false;
  const b = v as Partial<Backup>;
  const f = b.file as Partial<LabelFile> | undefined;
  return (
    typeof b.baseRevision === 'number' &&
    typeof b.savedAt === 'string' &&
    typeof b.owner === 'string' &&
    typeof f === 'object' &&
    f !== null &&
    Array.isArray(f.labels) &&
    Array.isArray(f.completed_tasks) &&
    typeof f.image_filename === 'string'
  );
}

/** The page's localStorage, or null where there is none or it is refused. */
export function browserStorage(): Storage | null {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null;
  }
}
