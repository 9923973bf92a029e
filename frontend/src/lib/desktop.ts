// What the Wails desktop window injects into the page, and nothing else: the
// browser build runs the same code with these absent.

export interface WailsRuntime {
  EventsOn(name: string, cb: (...data: unknown[]) => void): (() => void) | void;
  EventsOff?(name: string, ...more: string[]): void;
}

export interface WailsApp {
  FrontendReady?(userAgent: string): Promise<void>;
}

declare global {
  interface Window {
    runtime?: WailsRuntime;
    go?: { app?: { App?: WailsApp } };
  }
}

/** Wails' runtime when the page runs in the desktop window, else undefined. */
export function wailsRuntime(win: Window = window): WailsRuntime | undefined {
  const rt = win.runtime;
  return rt && typeof rt.EventsOn === 'function' ? rt : undefined;
}

let readySent = false;

function frontendReady(win: Window): ((ua: string) => Promise<void>) | undefined {
  const app = win.go?.app?.App;
  const ready = app?.FrontendReady;
  return typeof ready === 'function' ? (ua) => ready.call(app, ua) : undefined;
}

/**
 * Tells the desktop shell the page booted and reached the backend (the smoke
 * test waits for it). Once per page load; a no-op in a browser. In the
 * desktop, waitMs allows for Wails' bindings arriving after our first request.
 */
export async function notifyFrontendReady(win: Window = window, waitMs = 0): Promise<void> {
  if (readySent) return;
  let ready = frontendReady(win);
  for (let waited = 0; !ready && waited < waitMs; waited += 50) {
    await new Promise((r) => setTimeout(r, 50));
    ready = frontendReady(win);
  }
  if (!ready || readySent) return;
  readySent = true;
  try {
    await ready(win.navigator.userAgent);
  } catch (e) {
    console.error('FrontendReady failed', e);
  }
}
