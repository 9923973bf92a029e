// Dates short enough for a table cell on one line: "27 Nov 12:05"; the
// year only when it is not this one ("27 Nov 2025 12:05").
const sameYear = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', hour12: false });
const otherYear = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  hour12: false,
});

export function shortDateTime(iso: string, now: Date = new Date()): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const f = d.getFullYear() === now.getFullYear() ? sameYear : otherYear;
  // en-GB puts a comma between the date and the time: "27 Nov, 12:05".
  return f.format(d).replace(',', '');
}
