// How a training set will split, as the server's check says before the run
// starts: which images train the model and which check it.

export interface SplitPreview {
  split_by: 'image' | 'rows';
  train_tiles: number;
  val_tiles: number;
  train_images: string[];
  val_images: string[];
}

/** Below this many complete tiles the scores swing from run to run. */
export const fewTiles = 20;

function strings(v: unknown): string[] | null {
  return Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : null;
}

/** The `split` of a check answer, or null when it has none. */
export function splitOf(answer: unknown): SplitPreview | null {
  if (typeof answer !== 'object' || answer === null) return null;
  const v = (answer as Record<string, unknown>)['split'];
  if (typeof v !== 'object' || v === null) return null;
  const s = v as Record<string, unknown>;
  const train = strings(s['train_images']);
  const val = strings(s['val_images']);
  if ((s['split_by'] !== 'image' && s['split_by'] !== 'rows') || typeof s['train_tiles'] !== 'number' || typeof s['val_tiles'] !== 'number' || !train || !val) {
    return null;
  }
  return { split_by: s['split_by'], train_tiles: s['train_tiles'], val_tiles: s['val_tiles'], train_images: train, val_images: val };
}

function names(list: string[]): string {
  return list.length <= 3 ? list.join(', ') : `${list.slice(0, 3).join(', ')} and ${list.length - 3} more`;
}

/** "5 tiles train the model (field1.png); 3 check it (field2.png)." */
export function splitText(p: SplitPreview): string {
  const t = (n: number) => `${n} ${n === 1 ? 'tile' : 'tiles'}`;
  if (p.split_by === 'rows') {
    const check = p.val_tiles === 1 ? 'its last tile checks it' : `its last ${p.val_tiles} tiles check it`;
    return `${t(p.train_tiles)} of ${names(p.train_images)} train the model; ${check} (one image: split by rows).`;
  }
  return `${t(p.train_tiles)} train the model (${names(p.train_images)}); ${t(p.val_tiles)} check it (${names(p.val_images)}), whole images apart so the check is fair.`;
}
