import { describe, expect, it } from 'vitest';
import { metricFixture } from './fixtures';
import { describeTraining, extraFacts, heat, normaliseRows, readEvaluation } from './evaluation';

describe('reading metrics.json', () => {
  it("says how fast the GPU trainer's run was", () => {
    const ev = readEvaluation({
      mean_iou: 0.64,
      training: { images: 1024, seconds: 18.96, images_per_second: 119.8, peak_gpu_memory_mb: 19581, device: 'NVIDIA H100 80GB HBM3', precision: 'bf16' },
    });
    expect(ev.training).not.toBeNull();
    expect(describeTraining(ev.training!)).toBe('Trained at 119.8 images/s on NVIDIA H100 80GB HBM3 (bf16, peak GPU memory 19.1 GiB).');
    expect(ev.extra).toEqual([]);
    const both = readEvaluation({ training: { images_per_second: 98.2, training_images_per_second: 119.8, device: 'NVIDIA H100 80GB HBM3' } });
    expect(describeTraining(both.training!)).toBe('Trained at 119.8 images/s on NVIDIA H100 80GB HBM3 (98.2 images/s end to end).');
    expect(readEvaluation({ mean_iou: 0.5 }).training).toBeNull();
    expect(readEvaluation({ training: 'fast' }).training).toBeNull();
  });

  it('reads the expected keys', () => {
    const ev = readEvaluation({
      per_class_iou: { background: 0.9, cell: 0.5 },
      mean_iou: 0.7,
      pixel_accuracy: 0.93,
      confusion_matrix: [
        [90, 10],
        [25, 75],
      ],
      classes: ['background', 'cell'],
      best_epoch: 4,
    });
    expect(ev.perClass).toEqual([
      { name: 'background', iou: 0.9 },
      { name: 'cell', iou: 0.5 },
    ]);
    expect(ev.meanIoU).toBe(0.7);
    expect(ev.pixelAccuracy).toBe(0.93);
    expect(ev.confusion).toEqual([
      [90, 10],
      [25, 75],
    ]);
    expect(ev.classes).toEqual(['background', 'cell']);
    expect(ev.bestEpoch).toBe(4);
    expect(ev.maskClasses).toEqual([]); // names only: they say nothing of the mask values
    expect(ev.extra).toEqual([]);
  });

  it("reads the classes of the job's masks as the trainers write them", () => {
    const ev = readEvaluation({
      best_epoch: 7,
      epochs: 8,
      classes: [
        { index: 0, name: 'background' },
        { index: 1, name: 'wall', colour: [0, 0, 255] },
        { index: 3, name: 'cell', colour: [1, 2] },
        { index: 300, name: 'bad' },
        { name: 'no index' },
      ],
    });
    expect(ev.maskClasses).toEqual([
      { index: 0, name: 'background', colour: null },
      { index: 1, name: 'wall', colour: [0, 0, 255] },
      { index: 3, name: 'cell', colour: null },
    ]);
    expect(ev.classes).toEqual(['background', 'wall', 'cell', 'bad', 'no index']);
    expect(ev.bestEpoch).toBe(7);
    expect(ev.extra).toEqual([{ key: 'epochs', value: 8 }]);
    expect(readEvaluation({ best_epoch: 0 }).bestEpoch).toBeNull();
    expect(readEvaluation({ best_epoch: 2.5 }).bestEpoch).toBeNull();
  });

  it('is tolerant: other names, class objects, lists, missing parts', () => {
    const ev = readEvaluation({
      class_iou: [{ name: 'a', iou: 0.1 }, 0.2, { class: 'c', IoU: 'x' }],
      miou: 0.3,
      confusion: [[1, 2, 3]], // not square: ignored
      classes: [{ index: 0, name: 'background' }, { index: 1 }],
    });
    expect(ev.perClass).toEqual([
      { name: 'a', iou: 0.1 },
      { name: 'class 1', iou: 0.2 },
    ]);
    expect(ev.meanIoU).toBe(0.3);
    expect(ev.confusion).toBeNull();
    expect(ev.classes).toEqual(['background', 'class 1']);
    expect(readEvaluation(null)).toMatchObject({ perClass: [], meanIoU: null, confusion: null, classes: [], extra: [] });
    expect(readEvaluation('garbage')).toMatchObject({ perClass: [], confusion: null });
  });

  it('names a matrix without class names, and falls back on the last epoch', () => {
    const ev = readEvaluation({ confusion_matrix: [[5, 0], [1, 4]] }, metricFixture(5, { class_iou: { cell: 0.4 } }));
    expect(ev.classes).toEqual(['class 0', 'class 1']);
    expect(ev.perClass).toEqual([{ name: 'cell', iou: 0.4 }]);
  });

  it('shares and colours of a confusion matrix', () => {
    expect(normaliseRows([[3, 1], [0, 0]])).toEqual([[0.75, 0.25], [0, 0]]);
    expect(heat(0).bg).toBe('rgb(255, 255, 255)');
    expect(heat(1)).toEqual({ bg: 'rgb(29, 78, 216)', fg: '#fff' });
  });
});

describe('the trainer’s other numbers', () => {
  it('are labelled for people, technical ones left out', () => {
    const ev = readEvaluation({ epochs: 12, val_tiles: 12, val_pixels: 786432, ignore_index: 255, mean_dice: 0.81234 });
    expect(extraFacts(ev.extra).map((x) => `${x.label} ${x.text}`)).toEqual(['Validation tiles 12', 'Validation pixels 786,432', 'Mean dice 0.8123']);
  });
});
