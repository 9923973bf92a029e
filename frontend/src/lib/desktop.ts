// What the Wails desktop window injects into the page, and nothing else: the
// browser build runs the same code with these absent.

export interface WailsRuntime {
  EventsOn(name: string, cb: (...data: unknown[]) => void): (() => void) | void;
  EventsOff?(name: string, ...more: string[]): void;
}

export interface WailsApp {
  FrontendReady?(userAgent: string): Promise<void>;
  /** The page the window was asked to open at (`tessera --open '#/…'`), or "". */
  InitialRoute?(): Promise<string>;
  /** Opens the native file dialog: absolute paths, empty when cancelled. */
  ChooseImages?(): Promise<string[]>;
  /**
   * Opens the native save dialog, then writes there the file the API serves
   * at apiPath (an /api/… path): the file's path, "" when cancelled.
   */
  SaveFile?(apiPath: string, suggestedName: string): Promise<string>;
  /** Opens the native save dialog, then writes content there: the path, "" when cancelled. */
  SaveText?(suggestedName: string, content: string): Promise<string>;
}

/** The Wails event carrying the absolute paths of files dropped on the window. */
export const filesDroppedEvent = 'tessera:files-dropped';

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
    await ready(`${win.navigator.userAgent} ${win.location?.hash ?? ''}`.trim());
  } catch (e) {
    console.error('FrontendReady failed', e);
  }
}

/** Whether the page runs in the desktop window (files come as paths there). */
export function isDesktopWindow(win: Window = window): boolean {
  return wailsRuntime(win) !== undefined || imageChooser(win) !== undefined;
}

/** The desktop's native image chooser, or undefined in a browser. */
export function imageChooser(win: Window = window): (() => Promise<string[]>) | undefined {
  const app = win.go?.app?.App;
  const choose = app?.ChooseImages;
  if (typeof choose !== 'function') return undefined;
  return async () => {
    const paths: unknown = await choose.call(app);
    return stringList(paths);
  };
}

/**
 * Saving through the desktop's native dialog. Each call resolves to the saved
 * file's path, or null when the user cancelled; it rejects with an Error
 * carrying the backend's message.
 */
export interface NativeSaver {
  /** Saves the file the API serves at apiPath (an /api/… path, with its query). */
  saveApiFile(apiPath: string, suggestedName: string): Promise<string | null>;
  /** Saves text the page made (a report). */
  saveText(suggestedName: string, content: string): Promise<string | null>;
}

/** The desktop's native file saving, or undefined in a browser (or an app without it). */
export function nativeSaver(win: Window = window): NativeSaver | undefined {
  const app = win.go?.app?.App;
  const saveFile = app?.SaveFile;
  const saveText = app?.SaveText;
  if (typeof saveFile !== 'function' || typeof saveText !== 'function') return undefined;
  return {
    saveApiFile: (apiPath, name) => savedPath(() => saveFile.call(app, apiPath, name)),
    saveText: (name, content) => savedPath(() => saveText.call(app, name, content)),
  };
}

async function savedPath(call: () => Promise<unknown>): Promise<string | null> {
  let path: unknown;
  try {
    path = await call();
  } catch (e) {
    // Wails rejects a bound method's error with its message, a string.
    if (e instanceof Error) throw e;
    throw new Error(typeof e === 'string' && e !== '' ? e : 'the file could not be saved');
  }
  return typeof path === 'string' && path !== '' ? path : null;
}

function stringList(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((p): p is string => typeof p === 'string' && p !== '') : [];
}

/**
 * Calls cb with the paths of files dropped on the desktop window; returns the
 * function that stops. A no-op in a browser.
 */
export function onFilesDropped(cb: (paths: string[]) => void, win: Window = window): () => void {
  const rt = wailsRuntime(win);
  if (!rt) return () => {};
  const off = rt.EventsOn(filesDroppedEvent, (...args: unknown[]) => {
    const paths = stringList(args[0]);
    if (paths.length > 0) cb(paths);
  });
  return () => {
    if (typeof off === 'function') off();
    else rt.EventsOff?.(filesDroppedEvent);
  };
}

/**
 * In the desktop window, goes to the page the app was started with
 * (`tessera --open '#/projects/1/monitor'`), waiting up to waitMs for Wails'
 * bindings. A no-op in a browser or when no page was asked for.
 */
export async function applyInitialRoute(win: Window = window, waitMs = 0): Promise<void> {
  let app = win.go?.app?.App;
  for (let waited = 0; app === undefined && waited < waitMs; waited += 50) {
    await new Promise((r) => setTimeout(r, 50));
    app = win.go?.app?.App;
  }
  if (typeof app?.InitialRoute !== 'function') return;
  try {
    const route = await app.InitialRoute();
    if (route.startsWith('#/')) win.location.hash = route;
  } catch (e) {
    console.error('InitialRoute failed', e);
  }
}
