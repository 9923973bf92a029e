// What a trainer's metrics.json says, read tolerantly: it may hold
// per_class_iou {name: iou} (or a list), mean_iou, pixel_accuracy,
// confusion_matrix [[…]] (rows truth, columns prediction), classes
// ([names], or [{index, name, colour}] as Tessera's trainers write them)
// and best_epoch; any of them may be missing or named a little differently.
import type { Json, JsonObject, RGB } from '../lib/api';
import type { JobMetric } from '../lib/api.training';

export interface Evaluation {
  /** Per class, in the file's order. */
  perClass: { name: string; iou: number }[];
  meanIoU: number | null;
  pixelAccuracy: number | null;
  /** Rows are the true class, columns the predicted one. */
  confusion: number[][] | null;
  /** Names of the confusion matrix's rows and columns. */
  classes: string[];
  /**
   * The classes of the job's masks by mask value, as the job trained them
   * (the classes with an index); empty when the file does not say.
   */
  maskClasses: MaskClass[];
  /** The epoch whose model the trainer kept (best_epoch), if said. */
  bestEpoch: number | null;
  /** Other numbers of the file, for a plain table. */
  extra: { key: string; value: number }[];
  /** How the run went on its hardware (the GPU trainer's "training"), if said. */
  training: TrainingRun | null;
}

/** A class of a job's masks: its mask value, name and colour when the trainer wrote one. */
export interface MaskClass {
  index: number;
  name: string;
  colour: RGB | null;
}

export interface TrainingRun {
  device: string | null;
  /** From the trainer's start to its last epoch: loading, warm-up and validation included. */
  imagesPerSecond: number | null;
  /** While training (the median epoch), when the file says. */
  trainingImagesPerSecond: number | null;
  seconds: number | null;
  peakGpuMemoryMb: number | null;
  precision: string | null;
}

function text(v: Json | undefined): string | null {
  return typeof v === 'string' && v !== '' ? v : null;
}

function readTraining(v: Json | undefined): TrainingRun | null {
  if (!isObj(v)) return null;
  const run = {
    device: text(v['device']),
    imagesPerSecond: finite(v['images_per_second']),
    trainingImagesPerSecond: finite(v['training_images_per_second']),
    seconds: finite(v['seconds']),
    peakGpuMemoryMb: finite(v['peak_gpu_memory_mb']),
    precision: text(v['precision']),
  };
  return run.imagesPerSecond === null && run.device === null ? null : run;
}

/** One sentence on a run's speed: "Trained at 119.8 images/s on NVIDIA H100 (bf16, peak GPU memory 19.1 GiB, 98.2 images/s end to end)." */
export function describeTraining(r: TrainingRun): string {
  const parts: string[] = [];
  if (r.precision) parts.push(r.precision);
  if (r.peakGpuMemoryMb !== null) parts.push(`peak GPU memory ${(r.peakGpuMemoryMb / 1024).toFixed(1)} GiB`);
  const rate = r.trainingImagesPerSecond ?? r.imagesPerSecond;
  if (r.trainingImagesPerSecond !== null && r.imagesPerSecond !== null) parts.push(`${r.imagesPerSecond.toFixed(1)} images/s end to end`);
  let s = rate !== null ? `Trained at ${rate.toFixed(1)} images/s` : 'Trained';
  if (r.device) s += ` on ${r.device}`;
  if (parts.length > 0) s += ` (${parts.join(', ')})`;
  return s + '.';
}

function isObj(v: Json | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function finite(v: Json | undefined): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function pick(o: JsonObject, keys: string[]): Json | undefined {
  for (const k of keys) if (o[k] !== undefined && o[k] !== null) return o[k];
  return undefined;
}

function readPerClass(v: Json | undefined): { name: string; iou: number }[] {
  const out: { name: string; iou: number }[] = [];
  if (isObj(v)) {
    for (const [name, x] of Object.entries(v)) {
      const n = finite(x);
      if (n !== null) out.push({ name, iou: n });
    }
  } else if (Array.isArray(v)) {
    v.forEach((x, i) => {
      if (isObj(x)) {
        const n = finite(pick(x, ['iou', 'IoU', 'value']));
        const name = pick(x, ['name', 'class', 'label']);
        if (n !== null) out.push({ name: typeof name === 'string' ? name : `class ${i}`, iou: n });
      } else {
        const n = finite(x);
        if (n !== null) out.push({ name: `class ${i}`, iou: n });
      }
    });
  }
  return out;
}

function readMatrix(v: Json | undefined): number[][] | null {
  if (!Array.isArray(v) || v.length === 0) return null;
  const rows: number[][] = [];
  for (const r of v) {
    if (!Array.isArray(r)) return null;
    rows.push(r.map((x) => finite(x) ?? 0));
  }
  const n = rows.length;
  if (!rows.every((r) => r.length === n)) return null;
  return rows;
}

function readColour(v: Json | undefined): RGB | null {
  if (!Array.isArray(v) || v.length !== 3) return null;
  const c = v.map((x) => finite(x));
  return c.every((x): x is number => x !== null && Number.isInteger(x) && x >= 0 && x <= 255) ? [c[0]!, c[1]!, c[2]!] : null;
}

/** The classes that carry their mask value ({index, name, colour}); the others say nothing of the masks. */
function readMaskClasses(v: Json | undefined): MaskClass[] {
  if (!Array.isArray(v)) return [];
  const out: MaskClass[] = [];
  for (const c of v) {
    if (!isObj(c)) continue;
    const index = finite(c['index']);
    if (index === null || !Number.isInteger(index) || index < 0 || index > 255) continue;
    out.push({ index, name: text(c['name']) ?? `class ${index}`, colour: readColour(c['colour']) });
  }
  return out;
}

const known = new Set([
  'per_class_iou',
  'class_iou',
  'iou_per_class',
  'mean_iou',
  'miou',
  'mIoU',
  'pixel_accuracy',
  'accuracy',
  'confusion_matrix',
  'confusion',
  'classes',
  'class_names',
  'training',
  'best_epoch',
]);

/**
 * Reads metrics.json; where it has no per-class IoU, the last epoch's
 * class_iou (from the log) stands in.
 */
export function readEvaluation(v: Json, lastMetric?: JobMetric): Evaluation {
  const o = isObj(v) ? v : {};
  let perClass = readPerClass(pick(o, ['per_class_iou', 'class_iou', 'iou_per_class']));
  if (perClass.length === 0 && lastMetric) {
    perClass = Object.entries(lastMetric.class_iou).map(([name, iou]) => ({ name, iou }));
  }
  const confusion = readMatrix(pick(o, ['confusion_matrix', 'confusion']));
  const namesJson = pick(o, ['classes', 'class_names']);
  let classes: string[] = [];
  if (Array.isArray(namesJson)) {
    classes = namesJson.map((c, i) => (typeof c === 'string' ? c : isObj(c) && typeof c['name'] === 'string' ? c['name'] : `class ${i}`));
  }
  if (confusion && classes.length !== confusion.length) {
    classes = confusion.map((_, i) => classes[i] ?? `class ${i}`);
  }
  const meanIoU = finite(pick(o, ['mean_iou', 'miou', 'mIoU']));
  const best = finite(o['best_epoch']);
  const extra: { key: string; value: number }[] = [];
  for (const [k, x] of Object.entries(o)) {
    const n = finite(x);
    if (n !== null && !known.has(k)) extra.push({ key: k, value: n });
  }
  return {
    perClass,
    meanIoU,
    pixelAccuracy: finite(pick(o, ['pixel_accuracy', 'accuracy'])),
    confusion,
    classes,
    maskClasses: readMaskClasses(namesJson),
    bestEpoch: best !== null && Number.isInteger(best) && best >= 1 ? best : null,
    extra,
    training: readTraining(o['training']),
  };
}

/** The trainer's other numbers people may want, by their key; absent keys are shown by a readable key. */
const extraLabels: Record<string, string> = {
  val_pixels: 'Validation pixels',
  val_tiles: 'Validation tiles',
  val_images: 'Validation images',
  train_pixels: 'Training pixels',
  train_tiles: 'Training tiles',
  train_images: 'Training images',
  tiles: 'Tiles',
  images: 'Images',
  seconds: 'Training time (s)',
};

/** Numbers for the trainer's bookkeeping, or shown elsewhere already: not listed. */
const technical = new Set(['epochs', 'ignore_index', 'seed', 'version', 'format_version', 'schema_version', 'num_classes', 'best_val_iou']);

/** The trainer's other numbers for people: "Validation tiles 12", "Validation pixels 786,432"; technical ones left out. */
export function extraFacts(extra: readonly { key: string; value: number }[]): { key: string; label: string; text: string }[] {
  return extra
    .filter((x) => !technical.has(x.key))
    .map((x) => ({
      key: x.key,
      label: extraLabels[x.key] ?? readableKey(x.key),
      text: Number.isInteger(x.value) ? x.value.toLocaleString('en-GB') : x.value.toFixed(4),
    }));
}

/** "mean_dice" → "Mean dice". */
function readableKey(k: string): string {
  const words = k.replace(/[_-]+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** Each row of a confusion matrix as fractions of its total (what share of each true class went where). */
export function normaliseRows(m: number[][]): number[][] {
  return m.map((r) => {
    const sum = r.reduce((a, b) => a + b, 0);
    return r.map((x) => (sum > 0 ? x / sum : 0));
  });
}

/** The heat map colour of a share 0..1: white to deep blue, with the text colour that reads on it. */
export function heat(share: number): { bg: string; fg: string } {
  const t = Math.min(1, Math.max(0, share));
  const r = Math.round(255 + (29 - 255) * t);
  const g = Math.round(255 + (78 - 255) * t);
  const b = Math.round(255 + (216 - 255) * t);
  return { bg: `rgb(${r}, ${g}, ${b})`, fg: t > 0.5 ? '#fff' : '#1a1f29' };
}
