// Typed Svelte contexts shared by the views.
import { getContext, setContext } from 'svelte';
import type { Client } from './api';

const apiKey = Symbol('api');

export function setApi(api: Client): void {
  setContext(apiKey, api);
}

export function getApi(): Client {
  const api = getContext<Client | undefined>(apiKey);
  if (!api) throw new Error('no API client in context');
  return api;
}
