// Class-index masks (8-bit grey PNGs: 0 background, then the classes by the
// index the job gave them when it was made) turned into pictures on the
// client: coloured with the class colours, and the difference of a
// prediction from the truth.
import type { RGB, Schema } from '../lib/api';
import { classColour, flatClasses } from '../annotate/schema';
import type { MaskClass } from './evaluation';

/** RGBA pixels, as ImageData has them. */
export interface Pixels {
  width: number;
  height: number;
  data: Uint8ClampedArray;
}

/** Background, drawn dark and opaque so that classes stand out. */
export const backgroundColour: RGB = [24, 24, 28];
/** An index past the schema's classes. */
export const unknownIndexColour: RGB = [128, 128, 128];
export const diffColour: RGB = [230, 20, 20];

/**
 * Colours by mask value: [0] background, then the job's own classes (from
 * its metrics.json) at their index, in the colour the job gave them (else
 * the colour of the schema's class of that name). The schema's classes in
 * their present order stand in only for a job that does not list its
 * classes: classes deleted or moved since the run would shift them.
 */
export function maskPalette(schema: Schema | null, jobClasses: readonly MaskClass[] = []): RGB[] {
  const out: RGB[] = [backgroundColour];
  const listed = jobClasses.filter((c) => c.index > 0);
  const entries = schema ? flatClasses(schema) : [];
  if (listed.length === 0) {
    for (const e of entries) out.push(classColour(e.cls, 'default'));
    return out;
  }
  const bySchema = new Map(entries.map((e) => [e.cls.name, classColour(e.cls, 'default')]));
  for (const c of listed) out[c.index] = c.colour ?? bySchema.get(c.name) ?? unknownIndexColour;
  return Array.from(out, (c) => c ?? unknownIndexColour);
}

function sameSize(a: Pixels, b: Pixels): boolean {
  return a.width === b.width && a.height === b.height && a.data.length === b.data.length;
}

/** The mask coloured: the class index is the R channel of each pixel. */
export function colourise(mask: Pixels, palette: readonly RGB[]): Pixels {
  const n = mask.width * mask.height;
  const out = new Uint8ClampedArray(n * 4);
  for (let i = 0; i < n; i++) {
    const c = palette[mask.data[i * 4]!] ?? unknownIndexColour;
    out[i * 4] = c[0];
    out[i * 4 + 1] = c[1];
    out[i * 4 + 2] = c[2];
    out[i * 4 + 3] = 255;
  }
  return { width: mask.width, height: mask.height, data: out };
}

/**
 * Where the prediction differs from the truth: those pixels red, the others
 * the tile image dimmed (or dark grey without it). Throws when the sizes differ.
 */
export function difference(truth: Pixels, prediction: Pixels, image: Pixels | null = null, dim = 0.3): Pixels & { wrong: number } {
  if (!sameSize(truth, prediction)) {
    throw new Error(`the prediction is ${prediction.width} × ${prediction.height}, the mask ${truth.width} × ${truth.height}`);
  }
  const img = image && sameSize(truth, image) ? image : null;
  const n = truth.width * truth.height;
  const out = new Uint8ClampedArray(n * 4);
  let wrong = 0;
  for (let i = 0; i < n; i++) {
    const o = i * 4;
    if (truth.data[o] !== prediction.data[o]) {
      wrong++;
      out[o] = diffColour[0];
      out[o + 1] = diffColour[1];
      out[o + 2] = diffColour[2];
    } else if (img) {
      out[o] = img.data[o]! * dim;
      out[o + 1] = img.data[o + 1]! * dim;
      out[o + 2] = img.data[o + 2]! * dim;
    } else {
      out[o] = out[o + 1] = out[o + 2] = 40;
    }
    out[o + 3] = 255;
  }
  return { width: truth.width, height: truth.height, data: out, wrong };
}

/** The share of pixels that differ, as "12.3 %". */
export function wrongShare(p: Pixels & { wrong: number }): string {
  const n = p.width * p.height;
  return n > 0 ? `${((p.wrong / n) * 100).toFixed(1)} %` : '–';
}
