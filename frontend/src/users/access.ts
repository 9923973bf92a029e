// Who is offered the Users page: on a classroom server, admins (every
// account, auth.ManageUsers) and professors (students' and assistants',
// auth.ManageStudents). The server checks every call; this only keeps the
// link and page from those who would be refused.
import type { Session } from '../lib/api';

export function canManageUsers(s: Session | undefined): boolean {
  return s !== undefined && s.mode === 'server' && (s.user.role === 'admin' || s.user.role === 'professor');
}

/** Everyone signed in to a server has a password of their own to change. */
export function canChangePassword(s: Session | undefined): boolean {
  return s !== undefined && s.mode === 'server';
}
