// The Results step opens on the best model, not the newest.
import { describe, expect, it } from 'vitest';
import { jobFixture } from './fixtures';
import { defaultModel } from './models';

const done = (id: string, iou: number | null, created_at: string) =>
  jobFixture({ id, status: 'COMPLETED', best_val_iou: iou, created_at });

describe('defaultModel', () => {
  const jobs = [
    done('newest', 0.41, '2026-11-27T09:00:00Z'),
    jobFixture({ id: 'running', status: 'PROCESSING', best_val_iou: 0.99, created_at: '2026-11-27T10:00:00Z' }),
    done('best', 0.63, '2026-11-27T07:00:00Z'),
    done('unknown', null, '2026-11-27T09:30:00Z'),
    done('best-older', 0.63, '2026-11-27T06:00:00Z'),
  ];

  it('picks the completed run with the best validation IoU, the newest of equals', () => {
    expect(defaultModel(jobs, () => false)?.id).toBe('best');
  });

  it('prefers a kept model', () => {
    expect(defaultModel(jobs, (id) => id === 'newest')?.id).toBe('newest');
  });

  it('falls back to runs without a figure, and to none', () => {
    expect(defaultModel([done('a', null, '2026-11-27T06:00:00Z'), done('b', null, '2026-11-27T07:00:00Z')], () => false)?.id).toBe('b');
    expect(defaultModel([], () => false)).toBeNull();
  });
});
