// What each role may do with projects and images: the rows of the API's
// permission table (backend/auth/permissions.go) the pages draw controls for.
// The server checks every call; these only keep people from being offered
// buttons that would be refused. Training's rows are in train/roles.ts.
import type { Role, Session } from './api';

function oneOf(s: Session | undefined, roles: readonly Role[]): boolean {
  return s !== undefined && roles.includes(s.user.role);
}

/** CreateProject, UpdateProject, DeleteProject: admins and professors. */
export function canManageProjects(s: Session | undefined): boolean {
  return oneOf(s, ['admin', 'professor']);
}

/** ImportImages (and retrying a failed one): everyone but students. */
export function canImportImages(s: Session | undefined): boolean {
  return oneOf(s, ['admin', 'professor', 'assistant']);
}

/** DeleteImages: admins and professors. */
export function canDeleteImages(s: Session | undefined): boolean {
  return oneOf(s, ['admin', 'professor']);
}
