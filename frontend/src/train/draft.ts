// A run to start again: the monitor's "Train again with these settings"
// leaves it here and the Train step picks it up once.
import type { JsonObject } from '../lib/api';

export interface Draft {
  projectId: number;
  target: string;
  trainer: string;
  config: JsonObject;
  pipelineId: string;
}

let pending: Draft | null = null;

export function setDraft(d: Draft): void {
  pending = d;
}

export function takeDraft(projectId: number): Draft | null {
  const d = pending;
  pending = null;
  return d && d.projectId === projectId ? d : null;
}
