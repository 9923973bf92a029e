// Names for people instead of the API's keys: a trainer's label ("CPU
// trainer", not "cpu"), its settings' labels and choice labels (from the
// config_schema the Train form is drawn from), and workers ("This computer"
// for the local one). The schemas are read once per page from the workers.
import type { Json, JsonObject } from '../lib/api';
import type { ConfigField, TrainerInfo, TrainingClient } from '../lib/api.training';
import { showValue } from './compare';

/** The local worker: "local", or "local-<host>". */
export function isLocalWorker(name: string): boolean {
  return name === 'local' || name.startsWith('local-');
}

/** Where the app's own worker runs: this computer (desktop), or the classroom server. */
let localPlace = $state('This computer');

/** Says where the local worker runs, from the session's mode (the shell calls it). */
export function setLocalWorkerMode(mode: string): void {
  localPlace = mode === 'server' ? 'This server' : 'This computer';
}

/** A worker's name for people: "This computer" (or "This server") for the local one. */
export function workerLabel(name: string): string {
  return isLocalWorker(name) ? localPlace : name;
}

/** A setting's label from its schema field, else its key. */
export function settingLabel(fields: readonly ConfigField[], key: string): string {
  return fields.find((f) => f.name === key)?.label || key;
}

/** A setting's value for people: a choice's label, Yes/No, else the value. */
export function settingValue(fields: readonly ConfigField[], key: string, v: Json | undefined): string {
  const f = fields.find((x) => x.name === key);
  if (f?.type === 'choice' && typeof v === 'string') return f.choices.find(([value]) => value === v)?.[1] || v;
  if (typeof v === 'boolean') return v ? 'Yes' : 'No';
  return showValue(v);
}

/** The settings of a config in the schema's order (unknown keys after), labelled. */
export function settingRows(fields: readonly ConfigField[], config: JsonObject): { key: string; label: string; value: string }[] {
  const known = fields.map((f) => f.name).filter((k) => k in config);
  const rest = Object.keys(config).filter((k) => !known.includes(k));
  return [...known, ...rest].map((key) => ({ key, label: settingLabel(fields, key), value: settingValue(fields, key, config[key]) }));
}

/** The trainers the workers offer, by name; read once, shared by the pages. */
export class TrainerNames {
  trainers = $state.raw<Record<string, TrainerInfo>>({});
  private asked = false;

  /** Reads the workers' trainers (once; again after a failure). */
  load(train: Pick<TrainingClient, 'workers'>): void {
    if (this.asked) return;
    this.asked = true;
    train.workers().then(
      (ws) => {
        const next: Record<string, TrainerInfo> = { ...this.trainers };
        for (const w of ws) for (const t of w.trainers) next[t.name] ??= t;
        this.trainers = next;
      },
      () => (this.asked = false), // the raw names for now
    );
  }

  /** "CPU trainer" for "cpu"; the name itself while unknown. */
  label(name: string): string {
    return this.trainers[name]?.label || name;
  }

  fields(name: string): ConfigField[] {
    return this.trainers[name]?.config_schema ?? [];
  }
}

export const trainerNames = new TrainerNames();
