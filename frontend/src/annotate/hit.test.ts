import { describe, expect, it } from 'vitest';
import { decodeLabelFile } from '../lib/api';
import { edgeAt, labelAt, vertexAt } from './hit';

const sq = (x: number, y: number, s: number) => [
  { x, y },
  { x: x + s, y },
  { x: x + s, y: y + s },
  { x, y: y + s },
];

const f = decodeLabelFile({
  labels: [
    { label_type: 'polygon', object_id: 'a', label_class: 'c', regions: [sq(0, 0, 100), sq(40, 40, 20)] },
    { label_type: 'polygon', object_id: 'b', label_class: 'c', regions: [sq(80, 80, 50)] },
    { label_type: 'box', object_id: 'x', centre: { x: 10, y: 10 }, size: { x: 5, y: 5 } },
  ],
});

describe('hit testing', () => {
  it('finds the topmost polygon, not through holes', () => {
    expect(labelAt(f.labels, { x: 10, y: 10 })).toBe(0);
    expect(labelAt(f.labels, { x: 90, y: 90 })).toBe(1); // the later label is on top
    expect(labelAt(f.labels, { x: 50, y: 50 })).toBe(-1); // in the hole
    expect(labelAt(f.labels, { x: 300, y: 300 })).toBe(-1);
    expect(labelAt(f.labels, { x: 90, y: 90 }, (i) => i !== 1)).toBe(0);
  });

  it('finds vertices and edges within a tolerance', () => {
    const a = f.labels[0]!;
    expect(vertexAt(a, { x: 41, y: 39 }, 3)).toEqual({ region: 1, vertex: 0 });
    expect(vertexAt(a, { x: 45, y: 45 }, 3)).toBeNull();
    const e = edgeAt(a, { x: 50, y: 1.5 }, 3);
    expect(e).toMatchObject({ region: 0, after: 0, point: { x: 50, y: 0 } });
    expect(edgeAt(a, { x: 50, y: 20 }, 3)).toBeNull();
    expect(vertexAt(f.labels[2]!, { x: 10, y: 10 }, 5)).toBeNull();
  });
});
