// Settings, trainers and workers are named for people, not by their keys.
import { describe, expect, it } from 'vitest';
import type { ConfigField, Worker } from '../lib/api.training';
import { setLocalWorkerMode, settingRows, TrainerNames, workerLabel } from './trainer-names.svelte';
import { targetLabel } from './status';

const field = (over: Partial<ConfigField>): ConfigField => ({
  name: 'x',
  type: 'integer',
  label: '',
  default: null,
  help_text: '',
  choices: [],
  min: null,
  max: null,
  ...over,
});

const schema = [
  field({ name: 'model_architecture', type: 'choice', label: 'Model size', choices: [['unet-medium', 'U-Net, medium']] }),
  field({ name: 'batch_size', label: 'Batch size' }),
  field({ name: 'augment', type: 'boolean', label: 'Augment the tiles' }),
];

describe('settings for people', () => {
  it('uses the schema’s labels, choice labels and order; unknown keys come last as they are', () => {
    const rows = settingRows(schema, { extra_key: 3, batch_size: 8, augment: true, model_architecture: 'unet-medium' });
    expect(rows.map((r) => [r.label, r.value])).toEqual([
      ['Model size', 'U-Net, medium'],
      ['Batch size', '8'],
      ['Augment the tiles', 'Yes'],
      ['extra_key', '3'],
    ]);
    expect(settingRows([], { batch_size: 8 })).toEqual([{ key: 'batch_size', label: 'batch_size', value: '8' }]);
  });

  it('names the local worker “This computer”', () => {
    expect(workerLabel('local')).toBe('This computer');
    expect(workerLabel('local-lab3')).toBe('This computer');
    // On a classroom server the app's own worker is the server's.
    setLocalWorkerMode('server');
    expect(workerLabel('local')).toBe('This server');
    setLocalWorkerMode('desktop');
    expect(workerLabel('gpu1')).toBe('gpu1');
    expect(workerLabel('localhost-gpu')).toBe('localhost-gpu');
    expect(targetLabel('worker:local')).toBe('This computer');
  });

  it('reads the trainers’ labels from the workers once', async () => {
    let asked = 0;
    const w = { trainers: [{ name: 'cpu', label: 'CPU trainer', description: '', config_schema: schema }] } as unknown as Worker;
    const names = new TrainerNames();
    const train = { workers: async () => (asked++, [w]) };
    expect(names.label('cpu')).toBe('cpu');
    names.load(train);
    names.load(train);
    await Promise.resolve();
    await Promise.resolve();
    expect(asked).toBe(1);
    expect(names.label('cpu')).toBe('CPU trainer');
    expect(names.fields('cpu')).toHaveLength(3);
    expect(names.label('pytorch')).toBe('pytorch');
  });
});
