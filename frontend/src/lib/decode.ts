// Checks of unknown JSON against the contract, for the response decoders
// of api.ts and api.training.ts: a value that does not fit throws an
// ApiError naming where it was.
import { ApiError } from './errors';

export type Obj = Record<string, unknown>;

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function bad(what: string): ApiError {
  return new ApiError('internal', `unexpected response from the server (${what})`, 0);
}

export function str(o: Obj, key: string, what: string): string {
  const v = o[key];
  if (typeof v !== 'string') throw bad(`${what}.${key}`);
  return v;
}

export function optStr(o: Obj, key: string): string {
  const v = o[key];
  return typeof v === 'string' ? v : '';
}

export function num(o: Obj, key: string, what: string): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw bad(`${what}.${key}`);
  return v;
}

export function optNum(o: Obj, key: string): number {
  const v = o[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

export function nullableNum(o: Obj, key: string): number | null {
  const v = o[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

export function oneOf<T extends string>(o: Obj, key: string, allowed: readonly T[], what: string): T {
  const v = o[key];
  const hit = allowed.find((a) => a === v);
  if (hit === undefined) throw bad(`${what}.${key}`);
  return hit;
}

/** A list, [] for null or missing. */
export function list(o: Obj, key: string, what: string): unknown[] {
  const v = o[key];
  if (v === null || v === undefined) return [];
  if (!Array.isArray(v)) throw bad(`${what}.${key}`);
  return v;
}
