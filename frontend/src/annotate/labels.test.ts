import { describe, expect, it } from 'vitest';
import { decodeLabelFile, type LabelFile } from '../lib/api';
import { strokePolygon } from './geometry';
import {
  addPolygon,
  addRegion,
  brushAdd,
  brushSubtract,
  deleteLabel,
  erase,
  insertVertex,
  isComplete,
  moveVertex,
  newObjectId,
  polygonRegions,
  removeVertex,
  setClass,
  setComplete,
  unknownClasses,
} from './labels';

const tri = [
  { x: 0, y: 0 },
  { x: 40, y: 0 },
  { x: 0, y: 40 },
];

function sample(): LabelFile {
  return decodeLabelFile({
    image_filename: 'slide__r0_c0.png',
    completed_tasks: ['reviewed'],
    custom_top_level: { kept: true },
    labels: [
      { label_type: 'box', object_id: 'b1', label_class: 'cell', centre: { x: 5, y: 5 }, size: { x: 4, y: 4 }, extra: [1, 2] },
      {
        label_type: 'polygon',
        object_id: 'p1',
        label_class: 'cell',
        source: 'auto:dextr',
        anno_data: { good_quality: true },
        regions: [tri],
        my_field: 'stay',
      },
      { label_type: 'group', object_id: 'g1', label_class: null, component_models: [{ label_type: 'point', position: { x: 1, y: 1 } }] },
      { label_type: 'mystery', object_id: 'm1', whatever: { deep: [null] } },
    ],
  });
}

describe('label file model', () => {
  it('keeps unknown label types and fields through edits', () => {
    const f = sample();
    const raw = JSON.parse(JSON.stringify(f)) as LabelFile;
    let g = moveVertex(f, 1, 0, 1, { x: 50, y: 1.234 });
    g = setClass(g, 1, 'nucleus');
    g = addPolygon(g, 'cell', [[{ x: 100, y: 100 }, { x: 120, y: 100 }, { x: 110, y: 120 }]]).file;
    g = setComplete(g, true);
    // Untouched labels are the very same objects, equal to what was read.
    expect(g.labels[0]).toBe(f.labels[0]);
    expect(g.labels[2]).toBe(f.labels[2]);
    expect(g.labels[3]).toEqual(raw.labels[3]);
    // The edited polygon keeps its other fields.
    expect(g.labels[1]).toMatchObject({ object_id: 'p1', source: 'auto:dextr', anno_data: { good_quality: true }, my_field: 'stay', label_class: 'nucleus' });
    expect(polygonRegions(g.labels[1]!)?.[0]?.[1]).toEqual({ x: 50, y: 1.23 });
    expect(g['custom_top_level']).toEqual({ kept: true });
    expect(g.completed_tasks).toEqual(['reviewed', 'finished']);
    expect(isComplete(g)).toBe(true);
    expect(setComplete(g, false).completed_tasks).toEqual(['reviewed']);
    // The original snapshot is unchanged (undo depends on it).
    expect(JSON.parse(JSON.stringify(f))).toEqual(raw);
  });

  it('reads the legacy complete flag and vertices', () => {
    const f = decodeLabelFile({ image_filename: 'a.png', complete: true, labels: [{ label_type: 'polygon', object_id: 1, vertices: tri }] });
    expect(f.completed_tasks).toEqual(['finished']);
    expect('complete' in f).toBe(false);
    expect(polygonRegions(f.labels[0]!)).toEqual([tri]);
    const g = addRegion(f, 0, [{ x: 5, y: 5 }, { x: 10, y: 5 }, { x: 5, y: 10 }]);
    expect('vertices' in g.labels[0]!).toBe(false);
    expect(polygonRegions(g.labels[0]!)).toHaveLength(2);
    expect(decodeLabelFile([]).completed_tasks).toEqual([]);
  });

  it('makes new polygon labels in django-labeller form', () => {
    const { file, index } = addPolygon(sample(), 'cell', [tri]);
    expect(index).toBe(4);
    const l = file.labels[4]!;
    expect(l).toMatchObject({ label_type: 'polygon', label_class: 'cell', source: 'manual', anno_data: {}, regions: [tri] });
    expect(l['object_id']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}__\d+$/);
    expect(newObjectId()).not.toBe(l['object_id']);
    // Too few vertices: nothing is added.
    expect(addPolygon(sample(), 'cell', [[{ x: 0, y: 0 }, { x: 1, y: 1 }]]).index).toBe(-1);
  });

  it('brushes into and out of a label, erases across labels', () => {
    let f = addPolygon(sample(), 'cell', [[{ x: 0, y: 0 }, { x: 100, y: 0 }, { x: 100, y: 100 }, { x: 0, y: 100 }]]).file;
    f = brushAdd(f, 4, strokePolygon([{ x: 100, y: 50 }, { x: 150, y: 50 }], 10));
    expect(polygonRegions(f.labels[4]!)).toHaveLength(1);
    f = brushSubtract(f, 4, strokePolygon([{ x: 50, y: 50 }], 10));
    expect(polygonRegions(f.labels[4]!)).toHaveLength(2);
    // The eraser cuts through the polygon at index 1 (the triangle) and leaves the box alone.
    const e = erase(f, strokePolygon([{ x: -10, y: -10 }, { x: 60, y: 60 }], 30));
    expect(e.labels.length).toBe(4); // the triangle is gone entirely
    expect(e.labels.map((l) => l.label_type)).toEqual(['box', 'group', 'mystery', 'polygon']);
    expect(erase(f, strokePolygon([{ x: 400, y: 400 }], 3))).toBe(f);
    // Subtracting all of a label deletes it.
    const gone = brushSubtract(f, 1, strokePolygon([{ x: 10, y: 10 }], 100));
    expect(gone.labels.some((l) => l['object_id'] === 'p1')).toBe(false);
  });

  it('edits vertices and deletes labels', () => {
    let f = sample();
    f = insertVertex(f, 1, 0, 0, { x: 20, y: -5 });
    expect(polygonRegions(f.labels[1]!)?.[0]).toHaveLength(4);
    f = removeVertex(f, 1, 0, 1);
    f = removeVertex(f, 1, 0, 1);
    expect(f.labels.find((l) => l['object_id'] === 'p1')).toBeUndefined();
    f = deleteLabel(f, 0);
    expect(f.labels.map((l) => l['object_id'])).toEqual(['g1', 'm1']);
    expect(deleteLabel(f, 9)).toBe(f);
  });

  it('finds classes the schema lacks', () => {
    expect([...unknownClasses(sample(), new Set(['nucleus']))]).toEqual(['cell']);
  });
});
