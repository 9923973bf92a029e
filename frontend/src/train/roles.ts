// What each role may do with training (the spec's permissions matrix).
import type { Session } from '../lib/api';

/** Configure Training: start jobs (and cancel them). Everyone but students. */
export function canTrain(s: Session | undefined): boolean {
  return s !== undefined && s.user.role !== 'student';
}

/** Create Pipeline: admins and professors; assistants add jobs to existing pipelines. */
export function canCreatePipeline(s: Session | undefined): boolean {
  return s !== undefined && (s.user.role === 'admin' || s.user.role === 'professor');
}

/** Delete Training Jobs: admins and professors. */
export function canDeleteJobs(s: Session | undefined): boolean {
  return canCreatePipeline(s);
}
