import { describe, expect, it } from 'vitest';
import { applyProgress, progressText, type PredictionProgress } from './predict-progress';

const ev = (data: object) => ({ type: 'prediction.progress', project_id: 1, time: 't', data });

describe('predictions in progress', () => {
  it('follow the live events of this model: waiting, running, then gone when they end', () => {
    let cur: Record<number, PredictionProgress> = {};
    cur = applyProgress(cur, 'j1', ev({ job_id: 'j1', image_id: 7, state: 'queued', done: 0, total: 120 }))!;
    expect(progressText(cur[7]!)).toBe('Waiting for another prediction to end…');
    cur = applyProgress(cur, 'j1', ev({ job_id: 'j1', image_id: 7, state: 'running', done: 37, total: 120 }))!;
    expect(progressText(cur[7]!)).toBe('Predicting… 37 of 120 tiles (30 %)');
    // Another model's prediction is not this panel's.
    expect(applyProgress(cur, 'j1', ev({ job_id: 'j2', image_id: 7, state: 'running', done: 1, total: 2 }))).toBeNull();
    cur = applyProgress(cur, 'j1', ev({ job_id: 'j1', image_id: 7, state: 'done', done: 120, total: 120 }))!;
    expect(cur).toEqual({});
  });
});
