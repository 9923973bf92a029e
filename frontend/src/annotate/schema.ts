// Label classes: reading colours out of a django-labeller schema, and the
// edits of the Classes panel. Edits return a new schema, or an error message.
import type { LabelClass, LabelClassGroup, RGB, Schema } from '../lib/api';

/** The colour labels of classes not in the schema are drawn in. */
export const unknownColour: RGB = [136, 136, 136];

export interface ClassEntry {
  cls: LabelClass;
  group: number;
  /** Index within its group. */
  index: number;
  /** Index in schema order: its mask value is this + 1. */
  order: number;
}

export function emptySchema(): Schema {
  return { colour_schemes: [], label_class_groups: [] };
}

/** Every class in schema order (groups in order, classes within each). */
export function flatClasses(s: Schema): ClassEntry[] {
  const out: ClassEntry[] = [];
  s.label_class_groups.forEach((g, gi) =>
    g.group_classes.forEach((cls, ci) => out.push({ cls, group: gi, index: ci, order: out.length })),
  );
  return out;
}

export function classNames(s: Schema): Set<string> {
  return new Set(flatClasses(s).map((e) => e.cls.name));
}

/** The colour schemes to choose from: "default", then the schema's own. */
export function schemeChoices(s: Schema): { name: string; human_name: string }[] {
  const out = [{ name: 'default', human_name: 'Default' }];
  for (const cs of s.colour_schemes) if (cs.name !== 'default') out.push(cs);
  return out;
}

/** A class's colour in a scheme, falling back to its default colour, then grey. */
export function classColour(cls: LabelClass | undefined, scheme: string): RGB {
  if (!cls) return unknownColour;
  return cls.colours[scheme] ?? cls.colours['default'] ?? [128, 128, 128];
}

export function rgbToHex(c: RGB): string {
  return '#' + c.map((v) => Math.max(0, Math.min(255, Math.round(v))).toString(16).padStart(2, '0')).join('');
}

export function hexToRgb(hex: string): RGB | null {
  const m = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex.trim());
  if (!m) return null;
  return [parseInt(m[1]!, 16), parseInt(m[2]!, 16), parseInt(m[3]!, 16)];
}

export function rgbCss(c: RGB, alpha = 1): string {
  return alpha >= 1 ? `rgb(${c[0]}, ${c[1]}, ${c[2]})` : `rgba(${c[0]}, ${c[1]}, ${c[2]}, ${alpha})`;
}

/** Strong, distinct colours for new classes, in turn. */
export const palette: readonly RGB[] = [
  [230, 25, 75],
  [60, 180, 75],
  [0, 130, 200],
  [245, 130, 48],
  [145, 30, 180],
  [70, 240, 240],
  [240, 50, 230],
  [210, 245, 60],
  [250, 190, 212],
  [0, 128, 128],
  [170, 110, 40],
  [128, 0, 0],
];

/** The first palette colour no class uses yet as its default. */
export function nextColour(s: Schema): RGB {
  const used = new Set(flatClasses(s).map((e) => rgbToHex(classColour(e.cls, 'default'))));
  const free = palette.find((c) => !used.has(rgbToHex(c)));
  return free ?? palette[flatClasses(s).length % palette.length] ?? [128, 128, 128];
}

/** A class name made from a human name: "Blood vessel" → "blood_vessel". */
export function slug(human: string): string {
  return human
    .trim()
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

/** What trainers call mask value 0, the unlabelled background (backend/labels/classnames.go). */
export const backgroundName = 'background';

/**
 * Why a trainer could not report a class of this name, as the server says
 * it (backend/labels/classnames.go), or null. A human name "Background"
 * gives the stored name "background".
 */
export function trainerNameProblem(name: string): string | null {
  let why: string | null = null;
  if (name.toLowerCase() === backgroundName) why = 'has the name trainers give the unlabelled background';
  else if (/[[\]]/.test(name)) why = 'contains a bracket, which would end its line in a training log';
  else if (/\p{Cc}/u.test(name)) why = 'contains a control character (a line break or tab)';
  else if ([...name].length > 200) why = 'is longer than 200 characters';
  return why && `class ${JSON.stringify(name)} ${why}`;
}

/** Why a class name cannot be used (null when it can); `except` is the class being renamed. */
export function nameProblem(s: Schema, name: string, except?: { group: number; index: number }): string | null {
  if (name.trim() === '') return 'a class needs a name';
  if (name !== name.trim()) return 'a class name cannot start or end with a space';
  if ([...name].length > 64) return 'a class name has at most 64 characters';
  const trainer = trainerNameProblem(name);
  if (trainer) return trainer;
  const clash = flatClasses(s).find((e) => e.cls.name === name && !(except && e.group === except.group && e.index === except.index));
  if (clash) return `there is already a class named "${name}"`;
  return null;
}

export type Edit = { schema: Schema } | { error: string };

function withGroups(s: Schema, groups: LabelClassGroup[]): Schema {
  return { ...s, label_class_groups: groups };
}

function mapGroup(s: Schema, g: number, f: (classes: LabelClass[]) => LabelClass[]): Schema {
  return withGroups(
    s,
    s.label_class_groups.map((grp, i) => (i === g ? { ...grp, group_classes: f(grp.group_classes) } : grp)),
  );
}

/** Adds a class at the end of a group (a first group is made when there is none). */
export function addClass(s: Schema, group: number, name: string, humanName: string, colour: RGB = nextColour(s)): Edit {
  const why = nameProblem(s, name);
  if (why) return { error: why };
  let base = s;
  let g = group;
  if (base.label_class_groups.length === 0) {
    base = withGroups(base, [{ group_name: 'Classes', group_classes: [] }]);
    g = 0;
  }
  if (g < 0 || g >= base.label_class_groups.length) return { error: 'no such group' };
  const colours: Record<string, RGB> = { default: colour };
  for (const cs of s.colour_schemes) colours[cs.name] = colour;
  const cls: LabelClass = { name, human_name: humanName.trim() || name, colours };
  return { schema: mapGroup(base, g, (cl) => [...cl, cls]) };
}

export function updateClass(s: Schema, group: number, index: number, upd: { name?: string; human_name?: string }): Edit {
  const cls = s.label_class_groups[group]?.group_classes[index];
  if (!cls) return { error: 'no such class' };
  if (upd.name !== undefined && upd.name !== cls.name) {
    const why = nameProblem(s, upd.name, { group, index });
    if (why) return { error: why };
  }
  const next: LabelClass = {
    ...cls,
    name: upd.name ?? cls.name,
    human_name: upd.human_name !== undefined ? upd.human_name.trim() || (upd.name ?? cls.name) : cls.human_name,
  };
  return { schema: mapGroup(s, group, (cl) => cl.map((c, i) => (i === index ? next : c))) };
}

export function setColour(s: Schema, group: number, index: number, scheme: string, colour: RGB): Edit {
  const cls = s.label_class_groups[group]?.group_classes[index];
  if (!cls) return { error: 'no such class' };
  const next = { ...cls, colours: { ...cls.colours, [scheme]: colour } };
  return { schema: mapGroup(s, group, (cl) => cl.map((c, i) => (i === index ? next : c))) };
}

export function deleteClass(s: Schema, group: number, index: number): Edit {
  if (!s.label_class_groups[group]?.group_classes[index]) return { error: 'no such class' };
  return { schema: mapGroup(s, group, (cl) => cl.filter((_, i) => i !== index)) };
}

/**
 * Moves a class one place up (delta -1) or down (+1) in schema order; past
 * the start or end of its group it moves into the group before or after.
 * Mask values follow schema order, so this renumbers classes.
 */
export function moveClass(s: Schema, group: number, index: number, delta: -1 | 1): Edit {
  const groups = s.label_class_groups.map((g) => ({ ...g, group_classes: [...g.group_classes] }));
  const from = groups[group];
  const cls = from?.group_classes[index];
  if (!from || !cls) return { error: 'no such class' };
  const to = index + delta;
  if (to >= 0 && to < from.group_classes.length) {
    from.group_classes.splice(index, 1);
    from.group_classes.splice(to, 0, cls);
    return { schema: withGroups(s, groups) };
  }
  const other = groups[group + delta];
  if (!other) return { schema: s };
  from.group_classes.splice(index, 1);
  if (delta < 0) other.group_classes.push(cls);
  else other.group_classes.unshift(cls);
  return { schema: withGroups(s, groups) };
}

export function addGroup(s: Schema, name: string): Edit {
  const n = name.trim();
  if (n === '') return { error: 'a group needs a name' };
  if (s.label_class_groups.some((g) => g.group_name === n)) return { error: `there is already a group named "${n}"` };
  return { schema: withGroups(s, [...s.label_class_groups, { group_name: n, group_classes: [] }]) };
}

export function renameGroup(s: Schema, group: number, name: string): Edit {
  const n = name.trim();
  if (!s.label_class_groups[group]) return { error: 'no such group' };
  if (n === '') return { error: 'a group needs a name' };
  if (s.label_class_groups.some((g, i) => i !== group && g.group_name === n)) return { error: `there is already a group named "${n}"` };
  return { schema: withGroups(s, s.label_class_groups.map((g, i) => (i === group ? { ...g, group_name: n } : g))) };
}

/** Removes a group; only an empty one. */
export function deleteGroup(s: Schema, group: number): Edit {
  const g = s.label_class_groups[group];
  if (!g) return { error: 'no such group' };
  if (g.group_classes.length > 0) return { error: 'move or delete the group’s classes first' };
  return { schema: withGroups(s, s.label_class_groups.filter((_, i) => i !== group)) };
}

/** Reads a schema.json's text for import; throws with a message people can act on. */
export function parseSchemaText(text: string): unknown {
  let v: unknown;
  try {
    v = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (e) {
    throw new Error(`this file is not JSON (${e instanceof Error ? e.message : 'unreadable'})`);
  }
  const ok = Array.isArray(v) || (typeof v === 'object' && v !== null && 'label_class_groups' in v);
  if (!ok) throw new Error('this file is not a django-labeller schema: it has no "label_class_groups"');
  return v;
}

export function sameSchema(a: Schema, b: Schema): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
