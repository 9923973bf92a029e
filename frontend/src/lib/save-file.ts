// Saving what the page holds (a report it made, a file it read) as a
// download: a Blob link works in browsers; the desktop window may ignore it,
// so the pages that use this say what to do then.

/** Saves data as a file named fileName. */
export function saveFile(data: BlobPart, fileName: string, type: string): void {
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

/** The line shown under a download in the desktop window. */
export function desktopSaveHint(what: string): string {
  return `If nothing is saved, open Tessera in a browser to download ${what}.`;
}
