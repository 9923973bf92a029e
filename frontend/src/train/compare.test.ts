import { describe, expect, it } from 'vitest';
import { classTable, configDiff, overlay, parseIds, showValue } from './compare';
import { metricFixture } from './fixtures';

describe('comparing runs', () => {
  it('marks the settings whose values differ', () => {
    const rows = configDiff([
      { epochs: 5, batch_size: 8, lr: 0.001, aug: { flip: true, rot: 90 } },
      { epochs: 3, batch_size: 8, lr: 0.001, aug: { rot: 90, flip: true } },
      { epochs: 5, batch_size: 8, lr: 0.001, aug: { flip: true, rot: 90 }, extra: 'x' },
    ]);
    expect(rows.map((r) => [r.key, r.differs])).toEqual([
      ['epochs', true],
      ['batch_size', false],
      ['lr', false],
      ['aug', false], // same object, keys in another order
      ['extra', true], // missing in two runs
    ]);
    expect(rows[0]!.values).toEqual([5, 3, 5]);
    expect(rows[4]!.values).toEqual([undefined, undefined, 'x']);
    expect(showValue(undefined)).toBe('—');
    expect(showValue('unet')).toBe('unet');
    expect(showValue({ a: 1 })).toBe('{"a":1}');
  });

  it('overlays curves of runs of different lengths', () => {
    const a = [1, 2, 3].map((e) => metricFixture(e));
    const b = [1, 2, 3, 4, 5].map((e) => metricFixture(e, { val_iou: e / 10 }));
    const [xs, sa, sb] = overlay([a, b], 'val_iou');
    expect(xs).toEqual([1, 2, 3, 4, 5]);
    expect(sa).toEqual([a[0]!.val_iou, a[1]!.val_iou, a[2]!.val_iou, null, null]);
    expect(sb).toEqual([0.1, 0.2, 0.3, 0.4, 0.5]);
  });

  it('lines up the classes of every run', () => {
    expect(
      classTable([
        [{ name: 'cell', iou: 0.5 }],
        [
          { name: 'nucleus', iou: 0.2 },
          { name: 'cell', iou: 0.6 },
        ],
      ]),
    ).toEqual([
      { name: 'cell', values: [0.5, 0.6] },
      { name: 'nucleus', values: [null, 0.2] },
    ]);
  });

  it('follows the project’s class order, not the file’s alphabetical one', () => {
    const run = [
      { name: 'background', iou: 0.9 },
      { name: 'cell', iou: 0.5 },
      { name: 'old_class', iou: 0.1 },
      { name: 'vessel', iou: 0.3 },
    ];
    expect(classTable([run], ['vessel', 'cell', 'background']).map((r) => r.name)).toEqual(['vessel', 'cell', 'background', 'old_class']);
  });

  it('reads the ids of a compare link', () => {
    expect(parseIds('a1,b2, a1,,../x')).toEqual(['a1', 'b2']);
  });
});
