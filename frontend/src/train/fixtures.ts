// Test data of the training screens.
import type { ConfigField, Job, JobMetric, LogLine } from '../lib/api.training';

export function jobFixture(over: Partial<Job> = {}): Job {
  return {
    id: '71953ea5-6d97-4f3c-846a-bfd764cf3b99',
    pipeline_id: '629155a3-7fe7-471f-b945-b4510b4fad98',
    project_id: 1,
    status: 'PROCESSING',
    progress: 0,
    trainer: 'fake',
    target: 'worker:local',
    config: { batch_size: 8, epochs: 5, learning_rate: 0.001 },
    worker: 'local',
    attempt: 1,
    error: '',
    exit_code: null,
    diagnostics: [],
    epoch: 0,
    epochs: 5,
    best_val_iou: null,
    last_val_iou: null,
    created_by: 'admin',
    created_at: '2026-11-27T05:28:06Z',
    updated_at: '2026-11-27T05:28:07Z',
    started_at: '2026-11-27T05:28:07Z',
    finished_at: null,
    ...over,
  };
}

export function metricFixture(epoch: number, over: Partial<JobMetric> = {}): JobMetric {
  const f = epoch / 5;
  return {
    attempt: 1,
    epoch,
    total: 5,
    train_loss: 1 - f / 2,
    train_iou: f / 2,
    val_loss: 1.1 - f / 2,
    val_iou: f / 3,
    class_iou: {},
    time: new Date(Date.parse('2026-11-27T05:28:10Z') + epoch * 10_000).toISOString(),
    ...over,
  };
}

export function lines(attempt: number, from: number, to: number): LogLine[] {
  const out: LogLine[] = [];
  for (let seq = from; seq <= to; seq++) out.push({ attempt, seq, stream: 'stdout', text: `a${attempt} line ${seq}`, time: '' });
  return out;
}

/** The spec's worker config_schema, plus a boolean, a string and bounds. */
export const specFields: ConfigField[] = [
  { name: 'batch_size', type: 'integer', label: 'Batch Size', default: 8, help_text: 'Number of images to process simultaneously', choices: [], min: 1, max: 64 },
  { name: 'epochs', type: 'integer', label: 'Epochs', default: 10, help_text: 'Number of complete passes', choices: [], min: null, max: null },
  {
    name: 'model_architecture',
    type: 'choice',
    label: 'Model Architecture',
    default: null,
    help_text: 'Neural network',
    choices: [
      ['upernet-convnext-base', 'UperNet ConvNeXt Base'],
      ['unet', 'U-Net'],
    ],
    min: null,
    max: null,
  },
  { name: 'learning_rate', type: 'float', label: 'Learning Rate', default: 0.001, help_text: 'Step size', choices: [], min: 0, max: 1 },
  { name: 'augment', type: 'boolean', label: 'Augment', default: true, help_text: 'Flip and rotate', choices: [], min: null, max: null },
  { name: 'note', type: 'string', label: 'Note', default: null, help_text: 'Anything', choices: [], min: null, max: null },
];
