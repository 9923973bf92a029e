// Project-name rules, the same as the backend's NormalizeProjectName, so the
// form can say what is wrong before a round trip. The server checks again.

export const maxProjectNameLength = 100;

export type NameCheck = { ok: true; name: string } | { ok: false; message: string };

/** Trims a project name and checks it is usable. */
export function checkProjectName(raw: string): NameCheck {
  const name = raw.trim();
  if (name === '') return { ok: false, message: 'project name is required' };
  if ([...name].length > maxProjectNameLength) {
    return { ok: false, message: `project name is longer than ${maxProjectNameLength} characters` };
  }
  if (/[\x00\n\r\t]/.test(name)) {
    return { ok: false, message: 'project name must not contain control characters' };
  }
  return { ok: true, name };
}
