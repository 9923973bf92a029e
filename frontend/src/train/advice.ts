// "What to try next" when a run failed: read from its error, exit code and
// last lines, in words for someone who has never trained a model.
import type { Job } from '../lib/api.training';

export interface Advice {
  /** A short title of what probably went wrong. */
  title: string;
  /** What to try, one step each. */
  steps: string[];
  /** Which setting to change, when it is one. */
  field?: string;
}

function has(text: string, ...words: RegExp[]): boolean {
  return words.some((w) => w.test(text));
}

export function adviceFor(job: Pick<Job, 'status' | 'error' | 'exit_code' | 'diagnostics'>): Advice[] {
  if (job.status !== 'FAILED') return [];
  const text = [job.error, ...job.diagnostics].join('\n');
  const out: Advice[] = [];

  if (has(text, /out of memory/i, /\bOOM\b/, /CUDA error: out of memory/i, /cannot allocate memory/i, /MemoryError/) || job.exit_code === 137) {
    out.push({
      title: 'The computer ran out of memory',
      steps: [
        'Start the run again with a smaller Batch Size (half of it, e.g. 8 → 4): fewer images are held in memory at once.',
        'If it still fails, choose a worker with more GPU memory, or a smaller model.',
      ],
      field: 'batch_size',
    });
  }
  if (has(text, /invalid config/i, /is not a setting/i, /must be (a|at|one|text|true)/i, /is required/i)) {
    out.push({
      title: 'A setting was not accepted',
      steps: ['Open a new training with the same settings and fix the fields marked in red.', 'The message above names the setting.'],
    });
  }
  if (has(text, /agent .*lost/i, /agent was lost/i, /heartbeat/i, /broker connection lost/i, /worker .*(gone|offline)/i)) {
    out.push({
      title: 'The worker stopped answering',
      steps: [
        'Check that the worker computer is on and its agent is running (it should show as online on the Train step).',
        'Check its network connection to this server, then start the run again.',
      ],
    });
  }
  if (has(text, /has no trainer/i, /trainer did not start/i, /no such file/i, /permission denied/i, /executable file not found/i)) {
    out.push({
      title: 'The trainer program could not run',
      steps: ['Choose another trainer or worker.', 'Ask whoever set up the worker to check that the trainer is installed.'],
    });
  }
  if (has(text, /\bnan\b/i, /loss is nan/i, /diverg/i, /\binf\b/i)) {
    out.push({
      title: 'The training became unstable (the loss is not a number)',
      steps: ['Start again with a smaller Learning Rate, e.g. a tenth of it (0.001 → 0.0001).'],
      field: 'learning_rate',
    });
  }
  if (has(text, /no (complete|completed|finished) tiles/i, /training set/i, /no tiles/i, /empty/i) && !out.length) {
    out.push({
      title: 'There was not enough training data',
      steps: ['Label more tiles on the Annotate step and mark them complete, then start again.'],
    });
  }
  if (out.length === 0) {
    out.push({
      title: 'Something else went wrong',
      steps: [
        job.exit_code !== null
          ? `The trainer stopped with exit code ${job.exit_code}. Read the last lines below: the cause is usually in the last few.`
          : 'Read the last lines of the log: the cause is usually in the last few.',
        'Start the run again; if it fails the same way, show the log to your teacher.',
      ],
    });
  }
  return out;
}
