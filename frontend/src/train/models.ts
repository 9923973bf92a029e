// Which model the Results step shows when no run is named: one the person
// kept (★), else the completed run with the best validation IoU (the newest
// of equals; runs without a figure last).
import type { Job } from '../lib/api.training';
import { byValIoU } from './compare';

export function defaultModel(jobs: readonly Job[], isKept: (id: string) => boolean): Job | null {
  const done = jobs.filter((j) => j.status === 'COMPLETED');
  const kept = done.filter((j) => isKept(j.id));
  return [...(kept.length > 0 ? kept : done)].sort(byValIoU)[0] ?? null;
}
