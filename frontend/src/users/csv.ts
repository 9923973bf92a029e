// A class list pasted as text (one "name,role" per line, as from a
// spreadsheet) read into accounts to add, and the generated passwords
// written back as a CSV file to hand out.
import type { CreatedUser, Role } from '../lib/api';

const roleNames: readonly Role[] = ['admin', 'professor', 'assistant', 'student'];

/** One account of a pasted class list; line counts from 1. */
export interface ClassRow {
  line: number;
  name: string;
  role: Role;
}

export interface ClassList {
  rows: ClassRow[];
  /** What is wrong, one line each ("line 3: …"); nothing is added while there is any. */
  problems: string[];
}

/**
 * Reads a class list: a line per person, "name" or "name,role" (a comma,
 * semicolon or tab between; the role defaults to student). Blank lines, lines
 * starting with "#" and a "name,role" header are skipped. allowed: the roles
 * the signed-in user may give.
 */
export function parseClassList(text: string, allowed: readonly Role[]): ClassList {
  const rows: ClassRow[] = [];
  const problems: string[] = [];
  const seen = new Map<string, number>();
  const lines = text.split(/\r\n|\r|\n/);
  lines.forEach((raw, i) => {
    const line = i + 1;
    const text = raw.trim();
    if (text === '' || text.startsWith('#')) return;
    const cells = text.split(/[,;\t]/).map((c) => c.trim());
    const [name = '', roleText = '', ...rest] = cells;
    if (rows.length === 0 && problems.length === 0 && name.toLowerCase() === 'name') return;
    if (rest.some((c) => c !== '')) {
      problems.push(`line ${line}: expected "name,role", found ${cells.length} columns`);
      return;
    }
    if (name === '' || /\s/.test(name) || name.length > 64) {
      problems.push(`line ${line}: a user name must be 1 to 64 characters without spaces`);
      return;
    }
    const role = roleText === '' ? 'student' : roleNames.find((r) => r === roleText.toLowerCase());
    if (role === undefined) {
      problems.push(`line ${line}: unknown role "${roleText}": use ${allowed.join(', ')}`);
      return;
    }
    if (!allowed.includes(role)) {
      problems.push(`line ${line}: you may not add ${role} accounts (only ${allowed.join(', ')})`);
      return;
    }
    const before = seen.get(name);
    if (before !== undefined) {
      problems.push(`line ${line}: "${name}" is on line ${before} already`);
      return;
    }
    seen.set(name, line);
    rows.push({ line, name, role });
  });
  return { rows, problems };
}

/**
 * One CSV cell. A cell a spreadsheet would read as a formula (= + - @, tab
 * or carriage return first) gets a leading quote mark; cells holding a
 * separator (comma, or the semicolon some locales use) are quoted.
 */
function cell(text: string): string {
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",;\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** The accounts with their new passwords as CSV ("name,role,password", CRLF lines for spreadsheets). */
export function passwordsCsv(created: readonly CreatedUser[]): string {
  const lines = ['name,role,password', ...created.map((c) => [c.user.name, c.user.role, c.password].map(cell).join(','))];
  return lines.join('\r\n') + '\r\n';
}
