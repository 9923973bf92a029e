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
