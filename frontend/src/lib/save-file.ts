// Saving a file for the user: a report the page made, a file the API serves
// (a run's log, a model, a label export). In a browser, a download. In the
// desktop window download links and Blob URLs may save nothing (WebKitGTK
// under Wails), so there the app asks where with the system's save dialog
// and writes the file itself; nothing is sent back to it as a Blob (a Blob
// body crashes the window).
import type { Client } from './api';
import { nativeSaver } from './desktop';

/** What became of a save. */
export type SaveOutcome =
  /** Desktop: the file is written at path. */
  | { kind: 'saved'; path: string }
  /** Desktop: the user closed the save dialog. */
  | { kind: 'cancelled' }
  /** Browser: handed to the browser as a download. */
  | { kind: 'downloaded' };

/** The line to show after a save ("Saved to /home/me/report.html"), or "". */
export function savedMessage(o: SaveOutcome): string {
  return o.kind === 'saved' ? `Saved to ${o.path}` : '';
}

function pageWindow(): Window | undefined {
  return typeof window === 'undefined' ? undefined : window;
}

function outcome(path: string | null): SaveOutcome {
  return path === null ? { kind: 'cancelled' } : { kind: 'saved', path };
}

/**
 * Saves data as a file named fileName. In the desktop, text goes through the
 * save dialog; anything else (and anything in a browser) is a Blob link.
 */
export async function saveFile(data: BlobPart, fileName: string, type: string, win: Window | undefined = pageWindow()): Promise<SaveOutcome> {
  const native = win && nativeSaver(win);
  if (native && typeof data === 'string') return outcome(await native.saveText(fileName, data));
  blobDownload(data, fileName, type);
  return { kind: 'downloaded' };
}

/**
 * Saves the file the API serves at url (one the client made: api.url,
 * logUrl, modelUrl, exportUrl). In the desktop the app reads it from its own
 * API and writes it where the user says, so big files never pass through the
 * page; in a browser (or where the app cannot) the page reads it and saves
 * it as a download, under the server's name or else fileName.
 */
export async function saveApiFile(
  api: Pick<Client, 'download'>,
  url: string,
  fileName: string,
  win: Window | undefined = pageWindow(),
): Promise<SaveOutcome> {
  const native = win && nativeSaver(win);
  const path = native ? apiPath(url, win) : null;
  if (native && path !== null) return outcome(await native.saveApiFile(path, fileName));
  const f = await api.download(url);
  return saveFile(f.bytes, f.fileName ?? fileName, f.type, win);
}

/**
 * The /api/… path (with its query) of a URL of the page's own API, or null:
 * the desktop app saves only those.
 */
export function apiPath(url: string, win?: Window): string | null {
  if (url.startsWith('/api/')) return url.replace(/#.*$/, '');
  const here = win?.location?.href;
  if (!here) return null;
  let u: URL;
  let page: URL;
  try {
    u = new URL(url, here);
    page = new URL(here);
  } catch {
    return null;
  }
  // protocol and host, not origin: wails:// has an opaque ("null") origin.
  if (u.protocol !== page.protocol || u.host !== page.host || !u.pathname.startsWith('/api/')) return null;
  return u.pathname + u.search;
}

/**
 * The line shown by a download in the desktop window, for a window that
 * cannot save natively (an app without SaveFile): "" where it can.
 */
export function desktopSaveHint(what: string, win: Window | undefined = pageWindow()): string {
  if (win && nativeSaver(win)) return '';
  return `If nothing is saved, open Tessera in a browser to download ${what}.`;
}

function blobDownload(data: BlobPart, fileName: string, type: string): void {
  const url = URL.createObjectURL(new Blob([data], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.style.display = 'none';
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
