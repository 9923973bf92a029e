import { describe, expect, it } from 'vitest';
import type { JobTransition } from '../lib/api.training';
import { adviceFor } from './advice';
import { jobFixture, metricFixture } from './fixtures';
import { currentAttempt, overfitting, seriesOf, summary, upsertMetric } from './metrics';
import { statusMeaning, statusSteps, stoppedBy, targetLabel } from './status';

const tr = (status: JobTransition['status'], time: string): JobTransition => ({ status, reason: '', attempt: 1, worker: 'w', time });

describe('the status stepper', () => {
  it('marks steps done, current and to do', () => {
    const steps = statusSteps({ status: 'PROCESSING' }, [tr('PENDING', 'a'), tr('STARTED', 'b'), tr('PROCESSING', 'c')]);
    expect(steps.map((s) => [s.status, s.state, s.time])).toEqual([
      ['PENDING', 'done', 'a'],
      ['STARTED', 'done', 'b'],
      ['PROCESSING', 'current', 'c'],
      ['COMPLETED', 'todo', null],
    ]);
  });

  it('puts a failure or cancellation in place of the end', () => {
    const failed = statusSteps({ status: 'FAILED' }, [tr('PENDING', 'a'), tr('FAILED', 'z')]);
    expect(failed.map((s) => [s.status, s.state])).toEqual([
      ['PENDING', 'done'],
      ['STARTED', 'todo'],
      ['PROCESSING', 'todo'],
      ['FAILED', 'failed'],
    ]);
    expect(statusSteps({ status: 'CANCELLED' }, []).at(-1)).toMatchObject({ status: 'CANCELLED', state: 'cancelled' });
    expect(statusSteps({ status: 'COMPLETED' }, []).at(-1)).toMatchObject({ status: 'COMPLETED', state: 'done' });
  });

  it('labels each step with the spec’s name of the state', () => {
    const steps = statusSteps({ status: 'PROCESSING' }, []);
    expect(steps.map((s) => s.label)).toEqual(['Pending', 'Started', 'Processing', 'Completed']);
  });

  it('names targets', () => {
    expect(targetLabel('worker:gpu1')).toBe('gpu1');
    expect(targetLabel('pool:gpus')).toBe('any worker of pool gpus');
  });
});

describe('metrics', () => {
  it('upserts by attempt and epoch, keeps the latest attempt', () => {
    let ms = [metricFixture(2), metricFixture(1)].reduce((a, m) => upsertMetric(a, m), [] as ReturnType<typeof metricFixture>[]);
    ms = upsertMetric(ms, metricFixture(2, { class_iou: { cell: 0.3 } }));
    expect(ms.map((m) => m.epoch)).toEqual([1, 2]);
    expect(ms[1]!.class_iou).toEqual({ cell: 0.3 });
    ms = upsertMetric(ms, metricFixture(1, { attempt: 2 }));
    expect(currentAttempt(ms).map((m) => [m.attempt, m.epoch])).toEqual([[2, 1]]);
  });

  it('makes chart series and summaries', () => {
    const ms = [1, 2, 3].map((e) => metricFixture(e, e === 2 ? { val_iou: null } : {}));
    expect(seriesOf(ms, ['val_iou'])).toEqual([[1, 2, 3], [ms[0]!.val_iou, null, ms[2]!.val_iou]]);
    expect(summary(ms, 'val_iou')).toEqual({ last: ms[2]!.val_iou, best: ms[2]!.val_iou, bestEpoch: 3 });
    expect(summary(ms, 'val_loss').bestEpoch).toBe(3);
  });

  it('spots train and val losses going apart', () => {
    const diverging = [1, 2, 3, 4, 5].map((e) => metricFixture(e, { train_loss: 1 - e * 0.1, val_loss: 0.5 + e * 0.05 }));
    expect(overfitting(diverging)).toBe(true);
    expect(overfitting([1, 2, 3, 4, 5].map((e) => metricFixture(e)))).toBe(false);
    expect(overfitting(diverging.slice(0, 2))).toBe(false);
  });
});

describe('what to try next', () => {
  it('suggests a smaller batch when memory ran out', () => {
    const a = adviceFor(jobFixture({ status: 'FAILED', error: 'trainer exited with code 3', exit_code: 3, diagnostics: ['RuntimeError: CUDA out of memory (fake)'] }));
    expect(a[0]).toMatchObject({ title: 'The computer ran out of memory', field: 'batch_size' });
    expect(adviceFor(jobFixture({ status: 'FAILED', error: 'trainer killed by signal', exit_code: 137 }))[0]!.field).toBe('batch_size');
  });

  it('points at the settings, the worker, the learning rate', () => {
    expect(adviceFor(jobFixture({ status: 'FAILED', error: 'invalid config: epochs: must be at least 1' }))[0]!.title).toBe('A setting was not accepted');
    expect(adviceFor(jobFixture({ status: 'FAILED', error: 'the job was started 3 times and its agent was lost each time' }))[0]!.title).toBe(
      'The worker stopped answering',
    );
    expect(adviceFor(jobFixture({ status: 'FAILED', error: 'x', diagnostics: ['loss is nan'] }))[0]!.field).toBe('learning_rate');
    expect(adviceFor(jobFixture({ status: 'FAILED', error: 'boom', exit_code: 1 }))[0]!.title).toBe('Something else went wrong');
    expect(adviceFor(jobFixture({ status: 'COMPLETED' }))).toEqual([]);
  });
});

describe('who stopped a run', () => {
  const cancelled = (reason: string): JobTransition => ({ status: 'CANCELLED', reason, attempt: 1, worker: '', time: 't' });
  it('names the person from the reason, when it names one', () => {
    expect(stoppedBy([cancelled('cancelled by prof')])).toBe('prof');
    expect(stoppedBy([cancelled('cancelled by Ada Lovelace before an agent ran it')])).toBe('Ada Lovelace');
    expect(stoppedBy([cancelled('cancelled by prof; no agent was running it any more')])).toBe('prof');
    expect(stoppedBy([cancelled('cancelled by request')])).toBeNull();
    expect(stoppedBy([])).toBeNull();
  });
  it('says “<name> stopped this run.”, else that someone did', () => {
    expect(statusMeaning({ status: 'CANCELLED' }, [cancelled('cancelled by prof')])).toBe('prof stopped this run.');
    expect(statusMeaning({ status: 'CANCELLED' }, [])).toBe('Someone stopped this run.');
    expect(statusMeaning({ status: 'FAILED' }, [cancelled('cancelled by prof')])).toBe('Training stopped with an error.');
  });
});
