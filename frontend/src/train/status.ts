// The states of a training job, as the spec names them, for people.
import type { Job, JobStatus, JobTransition } from '../lib/api.training';
import { workerLabel } from './trainer-names.svelte';

export interface StatusInfo {
  status: JobStatus;
  label: string;
  /** What is happening in this state, in one sentence. */
  meaning: string;
  tone: 'wait' | 'run' | 'ok' | 'bad' | 'off';
}

export const statusInfo: Record<JobStatus, StatusInfo> = {
  PENDING: { status: 'PENDING', label: 'Pending', meaning: 'Waiting for a worker to pick the job up.', tone: 'wait' },
  STARTED: { status: 'STARTED', label: 'Started', meaning: 'A worker is preparing the training data.', tone: 'run' },
  // The spec's name; "training" is what happens in it, said in the meaning.
  PROCESSING: { status: 'PROCESSING', label: 'Processing', meaning: 'The model is training, learning epoch after epoch.', tone: 'run' },
  COMPLETED: { status: 'COMPLETED', label: 'Completed', meaning: 'Training finished; the model is saved.', tone: 'ok' },
  FAILED: { status: 'FAILED', label: 'Failed', meaning: 'Training stopped with an error.', tone: 'bad' },
  CANCELLED: { status: 'CANCELLED', label: 'Cancelled', meaning: 'Someone stopped this run.', tone: 'off' },
};

export function isEnded(s: JobStatus): boolean {
  return s === 'COMPLETED' || s === 'FAILED' || s === 'CANCELLED';
}

export function isActive(s: JobStatus): boolean {
  return !isEnded(s);
}

export type StepState = 'done' | 'current' | 'todo' | 'failed' | 'cancelled';

export interface Step {
  status: JobStatus;
  label: string;
  state: StepState;
  /** When the job last entered this state. */
  time: string | null;
}

/**
 * The stepper: PENDING → STARTED → PROCESSING → an end (COMPLETED, or
 * FAILED / CANCELLED in its place), each marked done, current or to do.
 */
export function statusSteps(job: Pick<Job, 'status'>, transitions: JobTransition[]): Step[] {
  const order: JobStatus[] = ['PENDING', 'STARTED', 'PROCESSING'];
  const end: JobStatus = job.status === 'FAILED' || job.status === 'CANCELLED' ? job.status : 'COMPLETED';
  const all = [...order, end];
  const at = all.indexOf(job.status);
  const lastTime = (s: JobStatus) => {
    for (let i = transitions.length - 1; i >= 0; i--) if (transitions[i]?.status === s) return transitions[i]?.time ?? null;
    return null;
  };
  // A job that failed before it started processing: the steps it skipped are not "done".
  const reached = (s: JobStatus) => lastTime(s) !== null;
  return all.map((s, i) => {
    let state: StepState;
    if (i === at) {
      state = s === 'FAILED' ? 'failed' : s === 'CANCELLED' ? 'cancelled' : s === 'COMPLETED' ? 'done' : 'current';
    } else if (i < at) {
      state = reached(s) || s === 'PENDING' ? 'done' : 'todo';
    } else {
      state = 'todo';
    }
    return { status: s, label: statusInfo[s].label, state, time: lastTime(s) };
  });
}

/**
 * Who stopped a cancelled run, from the reason of its last CANCELLED
 * transition ("cancelled by prof", "cancelled by prof before an agent ran
 * it", "cancelled by prof; no agent…"); null when no one is named.
 */
export function stoppedBy(transitions: readonly JobTransition[]): string | null {
  const last = [...transitions].reverse().find((t) => t.status === 'CANCELLED');
  const m = /^cancelled by (.+?)(?: before an agent ran it|;.*)?$/.exec(last?.reason.trim() ?? '');
  const who = m?.[1]?.trim() ?? '';
  return who === '' || who === 'request' ? null : who;
}

/** What the run's state means, naming who stopped a cancelled run when known. */
export function statusMeaning(job: Pick<Job, 'status'>, transitions: readonly JobTransition[]): string {
  if (job.status === 'CANCELLED') {
    const who = stoppedBy(transitions);
    if (who !== null) return `${who} stopped this run.`;
  }
  return statusInfo[job.status].meaning;
}

/** "worker:gpu1" → "gpu1", "worker:local" → "This computer", "pool:gpus" → "any worker of pool gpus". */
export function targetLabel(target: string): string {
  if (target.startsWith('worker:')) return workerLabel(target.slice(7));
  if (target.startsWith('pool:')) return `any worker of pool ${target.slice(5)}`;
  return target;
}

/** The first 8 characters of a UUID, enough to tell runs apart. */
export function shortId(id: string): string {
  return id.slice(0, 8);
}
