// Typed Svelte contexts shared by the views.
import { getContext, setContext } from 'svelte';
import type { Client } from './api';
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
