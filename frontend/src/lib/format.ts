// Formatting for people.

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** An RFC 3339 time from the API as a short local date and time. */
export function formatDateTime(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : dateTime.format(d);
}

const roleNames = {
  admin: 'Admin',
  professor: 'Professor',
  assistant: 'Assistant',
  student: 'Student',
} as const;

export function roleName(role: keyof typeof roleNames): string {
  return roleNames[role];
}

/** A byte count for people: "812 B", "4.2 MB", "1.3 GB". */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n < 0) return '?';
  if (n < 1000) return `${n} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = n;
  let u = -1;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[u]}`;
}

/** Pixel dimensions: "20000 × 15000". */
export function formatPixels(width: number, height: number): string {
  return `${width} × ${height}`;
}

/** "1 tile", "6 tiles". */
export function plural(n: number, one: string, many = one + 's'): string {
  return `${n} ${n === 1 ? one : many}`;
}
