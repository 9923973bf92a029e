// Whole-image predictions in progress, as the server reports them: on
// request (GET …/predictions/running) and live (prediction.progress), so a
// page opened while one runs shows how far it has got.
import type { Client, LiveEvent } from '../lib/api';

export interface PredictionProgress {
  job_id: string;
  image_id: number;
  /** queued or running; live events also say done or failed when it ends. */
  state: 'queued' | 'running' | 'done' | 'failed';
  done: number;
  total: number;
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

export function decodeProgress(v: unknown): PredictionProgress | null {
  if (!isObj(v)) return null;
  const { job_id, image_id, state, done, total } = v;
  if (typeof job_id !== 'string' || typeof image_id !== 'number' || typeof done !== 'number' || typeof total !== 'number') return null;
  if (state !== 'queued' && state !== 'running' && state !== 'done' && state !== 'failed') return null;
  return { job_id, image_id, state, done, total };
}

/** A project's predictions waiting or running. */
export async function runningPredictions(api: Client, projectId: number): Promise<PredictionProgress[]> {
  const v = await api.request('GET', `/api/projects/${projectId}/predictions/running`);
  const list = isObj(v) && Array.isArray(v['predictions']) ? v['predictions'] : [];
  return list.map(decodeProgress).filter((p): p is PredictionProgress => p !== null);
}

/** A job's predictions in progress, by image; ended ones leave. */
export function applyProgress(
  current: Record<number, PredictionProgress>,
  jobId: string,
  ev: LiveEvent,
): Record<number, PredictionProgress> | null {
  if (ev.type !== 'prediction.progress') return null;
  const p = decodeProgress(ev.data);
  if (!p || p.job_id !== jobId) return null;
  const { [p.image_id]: _, ...rest } = current;
  return p.state === 'queued' || p.state === 'running' ? { ...rest, [p.image_id]: p } : rest;
}

/** "Waiting for another prediction", "Predicting… 37 of 120 tiles". */
export function progressText(p: PredictionProgress): string {
  if (p.state === 'queued') return 'Waiting for another prediction to end…';
  if (p.total <= 0) return 'Predicting…';
  return `Predicting… ${p.done} of ${p.total} tiles (${Math.floor((100 * p.done) / p.total)} %)`;
}
