// The parameters form of a trainer, generated from its config_schema, and
// its validation: the same rules the server applies (type, min/max,
// choices), so most mistakes show before anything is sent.
import type { Json, JsonObject } from '../lib/api';
import type { ConfigField } from '../lib/api.training';

/** What an input holds: text for numbers and strings, a choice's value, a checkbox's state. */
export type FieldValue = string | boolean;
export type FormValues = Record<string, FieldValue>;

/** The input kind a field is drawn with. */
export function inputKind(f: ConfigField): 'number' | 'select' | 'checkbox' | 'text' {
  switch (f.type) {
    case 'integer':
    case 'float':
      return 'number';
    case 'choice':
      return 'select';
    case 'boolean':
      return 'checkbox';
    default:
      return 'text';
  }
}

/** A JSON value as the input shows it. */
function toInput(f: ConfigField, v: Json | undefined): FieldValue {
  if (f.type === 'boolean') return v === true;
  if (v === null || v === undefined) return f.type === 'choice' ? (f.choices[0]?.[0] ?? '') : '';
  if (typeof v === 'number' || typeof v === 'string') return String(v);
  return JSON.stringify(v);
}

/**
 * The form's first values: the schema's defaults, or the values of an
 * earlier config (a run started again) where the schema still has the field.
 */
export function initialValues(fields: ConfigField[], from: JsonObject = {}): FormValues {
  const out: FormValues = {};
  for (const f of fields) {
    const prev = from[f.name];
    out[f.name] = prev !== undefined && prev !== null ? toInput(f, prev) : toInput(f, f.default);
  }
  return out;
}

const integerRe = /^[+-]?\d+$/;
const floatRe = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function fmt(n: number): string {
  return String(n);
}

function range(f: ConfigField, x: number): string | null {
  if (f.min !== null && x < f.min) return `must be at least ${fmt(f.min)}`;
  if (f.max !== null && x > f.max) return `must be at most ${fmt(f.max)}`;
  return null;
}

export type Parsed = { ok: true; value: Json | undefined } | { ok: false; error: string };

/**
 * One input's value as config JSON. An empty number or text input with a
 * default gives undefined: left out, the server fills the default in.
 */
export function parseField(f: ConfigField, raw: FieldValue | undefined): Parsed {
  if (f.type === 'boolean') return { ok: true, value: raw === true };
  const text = typeof raw === 'string' ? raw.trim() : '';
  if (f.type === 'choice') {
    if (f.choices.some(([v]) => v === raw)) return { ok: true, value: raw as string };
    if (text === '' && f.choices.length > 0) return { ok: true, value: undefined };
    return { ok: false, error: `must be one of ${f.choices.map(([, l]) => l).join(', ')}` };
  }
  if (f.type === 'string') {
    if (typeof raw !== 'string' || raw === '') return f.default === null ? { ok: false, error: 'is required' } : { ok: true, value: undefined };
    return { ok: true, value: raw };
  }
  if (text === '') return f.default === null ? { ok: false, error: 'is required' } : { ok: true, value: undefined };
  if (f.type === 'integer') {
    if (!integerRe.test(text)) {
      return { ok: false, error: floatRe.test(text) ? 'must be a whole number (no decimals)' : 'must be a whole number' };
    }
    const x = Number(text);
    if (!Number.isSafeInteger(x)) return { ok: false, error: 'is too large' };
    const r = range(f, x);
    return r ? { ok: false, error: r } : { ok: true, value: x };
  }
  // float
  if (!floatRe.test(text)) return { ok: false, error: 'must be a number, like 0.001 or 1e-3' };
  const x = Number(text);
  if (!Number.isFinite(x)) return { ok: false, error: 'must be a finite number' };
  const r = range(f, x);
  return r ? { ok: false, error: r } : { ok: true, value: x };
}

export interface FormResult {
  /** The config to send: the fields that are set (the server fills in the defaults of the others). */
  config: JsonObject;
  /** Per field name, what is wrong with it. */
  errors: Record<string, string>;
  valid: boolean;
}

export function validateForm(fields: ConfigField[], values: FormValues): FormResult {
  const config: JsonObject = {};
  const errors: Record<string, string> = {};
  for (const f of fields) {
    const p = parseField(f, values[f.name]);
    if (!p.ok) errors[f.name] = p.error;
    else if (p.value !== undefined) config[f.name] = p.value;
  }
  return { config, errors, valid: Object.keys(errors).length === 0 };
}

/** The value a field will train with: what is typed, else its default. */
export function effectiveValue(f: ConfigField, values: FormValues): Json | undefined {
  const p = parseField(f, values[f.name]);
  if (!p.ok) return undefined;
  if (p.value !== undefined) return p.value;
  if (f.default !== null) return f.default;
  return f.type === 'choice' ? (f.choices[0]?.[0] ?? undefined) : undefined;
}

/** The hint under a number input: its range, when the schema gives one. */
export function rangeHint(f: ConfigField): string {
  if (f.min !== null && f.max !== null) return `from ${fmt(f.min)} to ${fmt(f.max)}`;
  if (f.min !== null) return `at least ${fmt(f.min)}`;
  if (f.max !== null) return `at most ${fmt(f.max)}`;
  return '';
}
