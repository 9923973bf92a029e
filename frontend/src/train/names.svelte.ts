// Names people give their models and the ones they keep: kept in this
// browser only (localStorage), as the server has no place for them yet.
import type { Job } from '../lib/api.training';
import { shortId } from './status';

const storageKey = 'tessera.models';

interface Saved {
  names: Record<string, string>;
  kept: string[];
}

function read(storage: Storage | undefined): Saved {
  try {
    const v = JSON.parse(storage?.getItem(storageKey) ?? '') as Partial<Saved>;
    const names: Record<string, string> = {};
    if (v.names && typeof v.names === 'object') {
      for (const [k, n] of Object.entries(v.names)) if (typeof n === 'string') names[k] = n;
    }
    return { names, kept: Array.isArray(v.kept) ? v.kept.filter((x): x is string => typeof x === 'string') : [] };
  } catch {
    return { names: {}, kept: [] };
  }
}

export class ModelNames {
  names = $state<Record<string, string>>({});
  kept = $state<string[]>([]);

  constructor(private readonly storage: Storage | undefined = typeof localStorage !== 'undefined' ? localStorage : undefined) {
    const s = read(storage);
    this.names = s.names;
    this.kept = s.kept;
  }

  private save(): void {
    try {
      this.storage?.setItem(storageKey, JSON.stringify({ names: this.names, kept: this.kept }));
    } catch {
      // storage full or off: the names last for this page only
    }
  }

  rename(id: string, name: string): void {
    const n = name.trim().slice(0, 80);
    const next = { ...this.names };
    if (n) next[id] = n;
    else delete next[id];
    this.names = next;
    this.save();
  }

  setKept(id: string, keep: boolean): void {
    this.kept = keep ? [...this.kept.filter((x) => x !== id), id] : this.kept.filter((x) => x !== id);
    this.save();
  }

  isKept(id: string): boolean {
    return this.kept.includes(id);
  }

  forget(id: string): void {
    this.rename(id, '');
    this.setKept(id, false);
  }
}

export const modelNames = new ModelNames();

/** What a run is called: the name given to it here, else "Run 1a2b3c4d". */
export function jobName(job: Pick<Job, 'id'>, names: ModelNames = modelNames): string {
  return names.names[job.id] ?? `Run ${shortId(job.id)}`;
}
