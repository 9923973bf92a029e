// The editor's settings that stay from tile to tile (and across visits, in
// localStorage): tool, class, brush radius, opacity, colour scheme.
export type Tool = 'select' | 'polygon' | 'brush' | 'eraser';

export interface EditorPrefs {
  tool: Tool;
  /** The class new labels get, by name. */
  cls: string;
  /** Brush and eraser radius in tile pixels. */
  radius: number;
  /** Fill opacity of labels, 0..1. */
  opacity: number;
  showLabels: boolean;
  scheme: string;
  /** The brush takes away instead of adding. */
  subtract: boolean;
}

const key = 'tessera.editor';
export const minRadius = 1;
export const maxRadius = 200;

export const defaults: EditorPrefs = {
  tool: 'polygon',
  cls: '',
  radius: 12,
  opacity: 0.45,
  showLabels: true,
  scheme: 'default',
  subtract: false,
};

const tools: readonly Tool[] = ['select', 'polygon', 'brush', 'eraser'];

/** Prefs read back from storage, each field checked. */
export function readPrefs(text: string | null): EditorPrefs {
  const out = { ...defaults };
  if (!text) return out;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return out;
  }
  if (typeof v !== 'object' || v === null) return out;
  const o = v as Record<string, unknown>;
  const t = tools.find((x) => x === o['tool']);
  if (t) out.tool = t;
  if (typeof o['cls'] === 'string') out.cls = o['cls'];
  if (typeof o['radius'] === 'number' && Number.isFinite(o['radius'])) out.radius = clampRadius(o['radius']);
  if (typeof o['opacity'] === 'number' && o['opacity'] >= 0 && o['opacity'] <= 1) out.opacity = o['opacity'];
  if (typeof o['showLabels'] === 'boolean') out.showLabels = o['showLabels'];
  if (typeof o['scheme'] === 'string') out.scheme = o['scheme'];
  if (typeof o['subtract'] === 'boolean') out.subtract = o['subtract'];
  return out;
}

export function clampRadius(r: number): number {
  return Math.max(minRadius, Math.min(maxRadius, Math.round(r)));
}

function storage(): Storage | null {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null;
  }
}

export const prefs: EditorPrefs = $state(readPrefs(storage()?.getItem(key) ?? null));

export function storePrefs(): void {
  try {
    storage()?.setItem(key, JSON.stringify(prefs));
  } catch {
    // private mode, full: the settings just do not stay
  }
}
