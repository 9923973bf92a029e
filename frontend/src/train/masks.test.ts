import { describe, expect, it } from 'vitest';
import type { RGB, Schema } from '../lib/api';
import { backgroundColour, colourise, diffColour, difference, maskPalette, unknownIndexColour, wrongShare, type Pixels } from './masks';

/** A grey class-index image as a browser decodes it: R = G = B = index, A = 255. */
function mask(width: number, height: number, idx: number[]): Pixels {
  const data = new Uint8ClampedArray(width * height * 4);
  idx.forEach((v, i) => data.set([v, v, v, 255], i * 4));
  return { width, height, data };
}

function px(p: Pixels, i: number): number[] {
  return Array.from(p.data.slice(i * 4, i * 4 + 4));
}

const schema: Schema = {
  colour_schemes: [],
  label_class_groups: [
    { group_name: 'A', group_classes: [{ name: 'cell', human_name: 'Cell', colours: { default: [230, 40, 40] } }] },
    { group_name: 'B', group_classes: [{ name: 'wall', human_name: 'Wall', colours: { default: [0, 0, 255], dark: [1, 1, 1] } }] },
  ],
} as unknown as Schema;

describe('class-index masks', () => {
  it('has a palette by index: background, then the classes across groups in order', () => {
    expect(maskPalette(schema)).toEqual([backgroundColour, [230, 40, 40], [0, 0, 255]]);
    expect(maskPalette(null)).toEqual([backgroundColour]);
  });

  it("colours by the job's own classes, not the schema as it is now", () => {
    // The run trained wall = 1 (blue) and cell = 2 (red, no colour given: the schema's);
    // since then the classes were reordered and "wall" recoloured.
    const now: Schema = {
      colour_schemes: [],
      label_class_groups: [
        {
          group_name: 'A',
          group_classes: [
            { name: 'cell', human_name: 'Cell', colours: { default: [230, 40, 40] } },
            { name: 'wall', human_name: 'Wall', colours: { default: [9, 9, 9] } },
          ],
        },
      ],
    } as unknown as Schema;
    const job = [
      { index: 0, name: 'background', colour: null },
      { index: 1, name: 'wall', colour: [0, 0, 255] as RGB },
      { index: 2, name: 'cell', colour: null },
      { index: 4, name: 'gone', colour: null },
    ];
    expect(maskPalette(now, job)).toEqual([backgroundColour, [0, 0, 255], [230, 40, 40], unknownIndexColour, unknownIndexColour]);
    const out = colourise(mask(3, 1, [1, 2, 4]), maskPalette(now, job));
    expect(px(out, 0)).toEqual([0, 0, 255, 255]);
    expect(px(out, 1)).toEqual([230, 40, 40, 255]);
    // A job that does not list its classes: the schema's order stands in.
    expect(maskPalette(now, [])).toEqual([backgroundColour, [230, 40, 40], [9, 9, 9]]);
  });

  it('colours each pixel by the R channel, unknown indices grey', () => {
    const out = colourise(mask(2, 2, [0, 1, 2, 7]), maskPalette(schema));
    expect(out.width).toBe(2);
    expect(px(out, 0)).toEqual([...backgroundColour, 255]);
    expect(px(out, 1)).toEqual([230, 40, 40, 255]);
    expect(px(out, 2)).toEqual([0, 0, 255, 255]);
    expect(px(out, 3)).toEqual([...unknownIndexColour, 255]);
  });

  it('marks the pixels where the prediction differs in red, the others dimmed', () => {
    const truth = mask(3, 1, [0, 1, 1]);
    const pred = mask(3, 1, [0, 0, 1]);
    const image: Pixels = { width: 3, height: 1, data: new Uint8ClampedArray([100, 200, 50, 255, 100, 200, 50, 255, 10, 20, 30, 255]) };
    const d = difference(truth, pred, image, 0.5);
    expect(d.wrong).toBe(1);
    expect(px(d, 0)).toEqual([50, 100, 25, 255]);
    expect(px(d, 1)).toEqual([...diffColour, 255]);
    expect(px(d, 2)).toEqual([5, 10, 15, 255]);
    expect(wrongShare(d)).toBe('33.3 %');
    // Without the image (or one of another size): dark grey.
    const plain = difference(truth, pred, { width: 1, height: 1, data: new Uint8ClampedArray(4) });
    expect(px(plain, 0)).toEqual([40, 40, 40, 255]);
    expect(px(plain, 1)).toEqual([...diffColour, 255]);
  });

  it('refuses masks of different sizes', () => {
    expect(() => difference(mask(2, 1, [0, 0]), mask(1, 2, [0, 0]))).toThrow(/prediction is 1 × 2/);
  });
});
