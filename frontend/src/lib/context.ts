// Typed Svelte contexts shared by the views.
import { getContext, setContext } from 'svelte';
import type { Client, Session } from './api';
import { LiveHub } from './hub';

const apiKey = Symbol('api');
const hubKey = Symbol('hub');

export function setApi(api: Client): void {
  setContext(apiKey, api);
}

export function getApi(): Client {
  const api = getContext<Client | undefined>(apiKey);
  if (!api) throw new Error('no API client in context');
  return api;
}

export function setHub(hub: LiveHub): void {
  setContext(hubKey, hub);
}

/** The live events of the shell; a silent hub when there is no shell (tests). */
export function getHub(): LiveHub {
  return getContext<LiveHub | undefined>(hubKey) ?? new LiveHub();
}

const sessionKey = Symbol('session');

export function setSession(session: Session): void {
  setContext(sessionKey, session);
}

/** Who is signed in; undefined outside the shell (tests of single pages). */
export function getSession(): Session | undefined {
  return getContext<Session | undefined>(sessionKey);
}

/** Whether the signed-in user may edit label classes (admin, professor). */
export function canEditSchema(session: Session | undefined): boolean {
  return session !== undefined && (session.user.role === 'admin' || session.user.role === 'professor');
}

/** Staff see everyone's progress: everyone but students. */
export function isStaff(session: Session | undefined): boolean {
  return session !== undefined && session.user.role !== 'student';
}

/**
 * The contexts the shell gives its pages, as mount()'s `context` option: for
 * showing one page or panel alone (tests) with a given API, hub and user.
 */
export function pageContext(c: { api: Client; hub?: LiveHub; session?: Session }): Map<symbol, unknown> {
  const m = new Map<symbol, unknown>([[apiKey, c.api]]);
  if (c.hub) m.set(hubKey, c.hub);
  if (c.session) m.set(sessionKey, c.session);
  return m;
}
