// The training part of the API: workers and their trainers, pipelines, jobs
// with their history, metrics and logs, and predictions of trained models.
// Responses are checked here like in api.ts; pages use TrainingClient.
import { ApiError, type Client, type Json, type JsonObject, type LiveEvent, type RGB } from './api';
import { bad, isObj, list, nullableNum, num, optNum, optStr, str, type Obj } from './decode';

export const jobStatuses = ['PENDING', 'STARTED', 'PROCESSING', 'COMPLETED', 'FAILED', 'CANCELLED'] as const;
export type JobStatus = (typeof jobStatuses)[number];

export type WorkerState = 'online' | 'busy' | 'offline';

export interface Hardware {
  cpu_cores: number;
  memory_mb: number;
  gpu_name: string;
  gpu_memory_mb: number;
  gpu_count: number;
}

export type FieldType = 'integer' | 'float' | 'choice' | 'boolean' | 'string';

/** One setting of a trainer's config_schema, in the schema's order. */
export interface ConfigField {
  name: string;
  type: FieldType;
  label: string;
  /** null: none (a choice then defaults to its first choice, others are required). */
  default: Json;
  help_text: string;
  /** [value, label] pairs of a choice field. */
  choices: [string, string][];
  min: number | null;
  max: number | null;
}

export interface TrainerInfo {
  name: string;
  label: string;
  description: string;
  config_schema: ConfigField[];
}

export interface Worker {
  id: string;
  name: string;
  pool: string;
  hardware: Hardware;
  trainers: TrainerInfo[];
  current_jobs: string[];
  slots: number;
  version: string;
  last_seen: string;
  state: WorkerState;
}

export interface Pipeline {
  id: string;
  name: string;
  project_id: number;
  /** "worker:<name>" or "pool:<pool>". */
  worker: string;
  created_by: string;
  created_at: string;
}

export interface Job {
  id: string;
  pipeline_id: string;
  project_id: number;
  status: JobStatus;
  /** 0..1 */
  progress: number;
  trainer: string;
  /** "worker:<name>" or "pool:<pool>". */
  target: string;
  config: JsonObject;
  /** The agent that ran it ("" until one took it). */
  worker: string;
  attempt: number;
  error: string;
  exit_code: number | null;
  /** The trainer's last lines when it failed. */
  diagnostics: string[];
  epoch: number;
  epochs: number;
  best_val_iou: number | null;
  last_val_iou: number | null;
  created_by: string;
  created_at: string;
  updated_at: string;
  started_at: string | null;
  finished_at: string | null;
}

export interface JobTransition {
  status: JobStatus;
  reason: string;
  attempt: number;
  worker: string;
  time: string;
}

/** One epoch's metrics; a null value was missing or not a finite number. */
export interface JobMetric {
  attempt: number;
  epoch: number;
  total: number;
  train_loss: number | null;
  train_iou: number | null;
  val_loss: number | null;
  val_iou: number | null;
  class_iou: Record<string, number>;
  time: string;
}

export interface LogLine {
  attempt: number;
  seq: number;
  stream: string;
  text: string;
  time: string;
}

export interface JobDetail {
  job: Job;
  transitions: JobTransition[];
  metrics: JobMetric[];
  log_lines: number;
  /** The trainer's metrics.json, when it wrote one. */
  evaluation: Json;
  /** What the job's model is, once it has one. */
  model: ModelInfo | null;
}

export interface ModelInfo {
  format: string;
  trainer: string;
  /** models/model.onnx is there. */
  onnx: boolean;
  /** This app predicts whole images with it (the built-in CPU trainer's models). */
  runs_here: boolean;
}

function decodeModelInfo(v: unknown): ModelInfo | null {
  if (!isObj(v)) return null;
  return { format: optStr(v, 'format'), trainer: optStr(v, 'trainer'), onnx: v['onnx'] === true, runs_here: v['runs_here'] !== false };
}

export interface JobRequest {
  worker?: string;
  pool?: string;
  trainer: string;
  config: JsonObject;
  pipeline_id?: string;
  pipeline_name?: string;
}

export interface PredictionClass {
  index: number;
  name: string;
  label: string;
  colour: RGB;
}

/** A model's class map of one whole image. */
export interface Prediction {
  job_id: string;
  image_id: number;
  width: number;
  height: number;
  classes: PredictionClass[];
  /** Pixels per class name, background included. */
  pixels: Record<string, number>;
  seconds: number;
  created_at: string;
}

// ---- decoding ----

function toJson(v: unknown, depth = 0): Json {
  if (depth > 64) return null;
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (Array.isArray(v)) return v.map((x) => toJson(x, depth + 1));
  if (isObj(v)) {
    const out: JsonObject = {};
    for (const [k, x] of Object.entries(v)) out[k] = toJson(x, depth + 1);
    return out;
  }
  return null;
}

function isStatus(v: unknown): v is JobStatus {
  return typeof v === 'string' && (jobStatuses as readonly string[]).includes(v);
}

const fieldTypes: readonly FieldType[] = ['integer', 'float', 'choice', 'boolean', 'string'];

/** A config_schema object: its keys in order (JSON.parse keeps them, except integer-like names). */
export function decodeConfigSchema(v: unknown): ConfigField[] {
  if (v === null || v === undefined) return [];
  if (!isObj(v)) throw bad('config_schema');
  const out: ConfigField[] = [];
  for (const [name, f] of Object.entries(v)) {
    if (!isObj(f)) throw bad(`config_schema.${name}`);
    const type = fieldTypes.find((t) => t === f['type']);
    if (!type) throw bad(`config_schema.${name}.type`);
    const choices: [string, string][] = [];
    for (const c of list(f, 'choices', `config_schema.${name}`)) {
      if (!Array.isArray(c) || typeof c[0] !== 'string') throw bad(`config_schema.${name}.choices`);
      choices.push([c[0], typeof c[1] === 'string' ? c[1] : c[0]]);
    }
    out.push({
      name,
      type,
      label: optStr(f, 'label') || name,
      default: f['default'] === undefined ? null : toJson(f['default']),
      help_text: optStr(f, 'help_text'),
      choices,
      min: nullableNum(f, 'min'),
      max: nullableNum(f, 'max'),
    });
  }
  return out;
}

function decodeTrainer(v: unknown): TrainerInfo {
  if (!isObj(v)) throw bad('trainer');
  const name = str(v, 'name', 'trainer');
  return {
    name,
    label: optStr(v, 'label') || name,
    description: optStr(v, 'description'),
    config_schema: decodeConfigSchema(v['config_schema']),
  };
}

export function decodeWorker(v: unknown): Worker {
  const w = 'worker';
  if (!isObj(v)) throw bad(w);
  const hw = isObj(v['hardware']) ? v['hardware'] : {};
  const state = v['state'];
  return {
    id: optStr(v, 'id'),
    name: str(v, 'name', w),
    pool: optStr(v, 'pool'),
    hardware: {
      cpu_cores: optNum(hw, 'cpu_cores'),
      memory_mb: optNum(hw, 'memory_mb'),
      gpu_name: optStr(hw, 'gpu_name'),
      gpu_memory_mb: optNum(hw, 'gpu_memory_mb'),
      gpu_count: optNum(hw, 'gpu_count'),
    },
    trainers: list(v, 'trainers', w).map(decodeTrainer),
    current_jobs: list(v, 'current_jobs', w).filter((j): j is string => typeof j === 'string'),
    slots: optNum(v, 'slots'),
    version: optStr(v, 'version'),
    last_seen: optStr(v, 'last_seen'),
    state: state === 'online' || state === 'busy' ? state : 'offline',
  };
}

export function decodePipeline(v: unknown): Pipeline {
  const w = 'pipeline';
  if (!isObj(v)) throw bad(w);
  return {
    id: str(v, 'id', w),
    name: optStr(v, 'name'),
    project_id: num(v, 'project_id', w),
    worker: optStr(v, 'worker'),
    created_by: optStr(v, 'created_by'),
    created_at: optStr(v, 'created_at'),
  };
}

export function decodeJob(v: unknown): Job {
  const w = 'job';
  if (!isObj(v)) throw bad(w);
  const status = v['status'];
  if (!isStatus(status)) throw bad(`${w}.status`);
  const cfg = toJson(v['config']);
  const time = (k: string) => (typeof v[k] === 'string' && v[k] !== '' ? (v[k] as string) : null);
  return {
    id: str(v, 'id', w),
    pipeline_id: optStr(v, 'pipeline_id'),
    project_id: num(v, 'project_id', w),
    status,
    progress: optNum(v, 'progress'),
    trainer: optStr(v, 'trainer'),
    target: optStr(v, 'target'),
    config: isObj(cfg) ? (cfg as JsonObject) : {},
    worker: optStr(v, 'worker'),
    attempt: optNum(v, 'attempt'),
    error: optStr(v, 'error'),
    exit_code: nullableNum(v, 'exit_code'),
    diagnostics: list(v, 'diagnostics', w).filter((d): d is string => typeof d === 'string'),
    epoch: optNum(v, 'epoch'),
    epochs: optNum(v, 'epochs'),
    best_val_iou: nullableNum(v, 'best_val_iou'),
    last_val_iou: nullableNum(v, 'last_val_iou'),
    created_by: optStr(v, 'created_by'),
    created_at: str(v, 'created_at', w),
    updated_at: optStr(v, 'updated_at') || str(v, 'created_at', w),
    started_at: time('started_at'),
    finished_at: time('finished_at'),
  };
}

function decodeTransition(v: unknown): JobTransition {
  const w = 'transition';
  if (!isObj(v)) throw bad(w);
  const status = v['status'];
  if (!isStatus(status)) throw bad(`${w}.status`);
  return { status, reason: optStr(v, 'reason'), attempt: optNum(v, 'attempt'), worker: optStr(v, 'worker'), time: str(v, 'time', w) };
}

export function decodeMetric(v: unknown): JobMetric {
  const w = 'metric';
  if (!isObj(v)) throw bad(w);
  const classIoU: Record<string, number> = {};
  if (isObj(v['class_iou'])) {
    for (const [k, x] of Object.entries(v['class_iou'])) if (typeof x === 'number' && Number.isFinite(x)) classIoU[k] = x;
  }
  return {
    attempt: optNum(v, 'attempt'),
    epoch: num(v, 'epoch', w),
    total: optNum(v, 'total'),
    train_loss: nullableNum(v, 'train_loss'),
    train_iou: nullableNum(v, 'train_iou'),
    val_loss: nullableNum(v, 'val_loss'),
    val_iou: nullableNum(v, 'val_iou'),
    class_iou: classIoU,
    time: optStr(v, 'time'),
  };
}

export function decodeLogLine(v: unknown): LogLine {
  const w = 'log line';
  if (!isObj(v)) throw bad(w);
  return {
    attempt: num(v, 'attempt', w),
    seq: num(v, 'seq', w),
    stream: optStr(v, 'stream'),
    text: optStr(v, 'text'),
    time: optStr(v, 'time'),
  };
}

export function decodeJobDetail(v: unknown): JobDetail {
  const w = 'job detail';
  if (!isObj(v)) throw bad(w);
  return {
    job: decodeJob(v['job']),
    transitions: list(v, 'transitions', w).map(decodeTransition),
    metrics: list(v, 'metrics', w).map(decodeMetric),
    log_lines: optNum(v, 'log_lines'),
    evaluation: v['evaluation'] === undefined ? null : toJson(v['evaluation']),
    model: decodeModelInfo(v['model']),
  };
}

export function decodePrediction(v: unknown): Prediction {
  const w = 'prediction';
  if (!isObj(v)) throw bad(w);
  const pixels: Record<string, number> = {};
  if (isObj(v['pixels'])) for (const [k, x] of Object.entries(v['pixels'])) if (typeof x === 'number') pixels[k] = x;
  return {
    job_id: str(v, 'job_id', w),
    image_id: num(v, 'image_id', w),
    width: optNum(v, 'width'),
    height: optNum(v, 'height'),
    classes: list(v, 'classes', w).map((c) => {
      if (!isObj(c)) throw bad(`${w}.classes`);
      const col = Array.isArray(c['colour']) ? c['colour'] : [];
      const rgb: RGB = [0, 1, 2].map((i) => (typeof col[i] === 'number' ? (col[i] as number) : 128)) as RGB;
      const name = str(c, 'name', `${w}.classes`);
      return { index: optNum(c, 'index'), name, label: optStr(c, 'label') || name, colour: rgb };
    }),
    pixels,
    seconds: optNum(v, 'seconds'),
    created_at: optStr(v, 'created_at'),
  };
}

/** One validation tile of a run; prediction: the trainer wrote its prediction. */
export interface ValidationTile {
  name: string;
  prediction: boolean;
}

export type JobFileKind = 'images' | 'masks' | 'predictions';

export function decodeValidationTiles(v: unknown): ValidationTile[] {
  const w = 'validation';
  if (!isObj(v)) throw bad(w);
  return list(v, 'tiles', w).map((t) => {
    if (!isObj(t)) throw bad(`${w}.tiles`);
    const name = str(t, 'name', `${w}.tiles`);
    if (name === '' || name.includes('/')) throw bad(`${w}.tiles.name`);
    return { name, prediction: t['prediction'] === true };
  });
}

/** A model file is a zip: it starts with "PK\x03\x04" (or "PK\x05\x06" when empty). */
export function looksLikeZip(bytes: ArrayBuffer | Uint8Array<ArrayBuffer>): boolean {
  const b = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  return b.length >= 4 && b[0] === 0x50 && b[1] === 0x4b && (b[2] === 3 || b[2] === 5) && (b[3] === 4 || b[3] === 6);
}

// ---- live events ----

/** The job of a "job.updated" event; null when it is not one. */
export function jobFromEvent(ev: LiveEvent): Job | null {
  if (ev.type !== 'job.updated') return null;
  try {
    return decodeJob(ev.data);
  } catch {
    return null;
  }
}

/**
 * The id of the job a "job.updated" event says was deleted (its data is then
 * just {id, deleted: true}); null for any other event.
 */
export function deletedJobFromEvent(ev: LiveEvent): string | null {
  if (ev.type !== 'job.updated' || !isObj(ev.data) || ev.data['deleted'] !== true) return null;
  const id = ev.data['id'];
  return typeof id === 'string' && id !== '' ? id : null;
}

/** The lines of a "job.log" event; null when it is not one. */
export function logFromEvent(ev: LiveEvent): { job_id: string; lines: LogLine[] } | null {
  if (ev.type !== 'job.log' || !isObj(ev.data) || typeof ev.data['job_id'] !== 'string') return null;
  try {
    return { job_id: ev.data['job_id'], lines: list(ev.data, 'lines', 'job.log').map(decodeLogLine) };
  } catch {
    return null;
  }
}

/** The metric of a "job.metric" event; null when it is not one. */
export function metricFromEvent(ev: LiveEvent): { job_id: string; metric: JobMetric } | null {
  if (ev.type !== 'job.metric' || !isObj(ev.data) || typeof ev.data['job_id'] !== 'string') return null;
  try {
    return { job_id: ev.data['job_id'], metric: decodeMetric(ev.data['metric']) };
  } catch {
    return null;
  }
}

// ---- the client ----

function seg(v: string | number): string {
  return encodeURIComponent(String(v));
}

export class TrainingClient {
  constructor(private readonly api: Client) {}

  async workers(): Promise<Worker[]> {
    const v = await this.api.request('GET', '/api/workers');
    if (!isObj(v)) throw bad('workers');
    return list(v, 'workers', 'workers').map(decodeWorker);
  }

  async pipelines(projectId: number): Promise<Pipeline[]> {
    const v = await this.api.request('GET', `/api/projects/${seg(projectId)}/pipelines`);
    if (!isObj(v)) throw bad('pipelines');
    return list(v, 'pipelines', 'pipelines').map(decodePipeline);
  }

  async jobs(projectId: number): Promise<Job[]> {
    const v = await this.api.request('GET', `/api/projects/${seg(projectId)}/jobs`);
    if (!isObj(v)) throw bad('jobs');
    return list(v, 'jobs', 'jobs').map(decodeJob);
  }

  /**
   * Validates a job request without starting it; 400 "invalid" with
   * fields[] when it does not fit. The answer also says how the training
   * set would split (see train/split.ts).
   */
  async checkJob(projectId: number, req: JobRequest): Promise<{ config: JsonObject; answer: unknown }> {
    const v = await this.api.request('POST', `/api/projects/${seg(projectId)}/jobs/check`, requestBody(req));
    return { config: isObj(v) && isObj(v['config']) ? (toJson(v['config']) as JsonObject) : {}, answer: v };
  }

  async createJob(projectId: number, req: JobRequest): Promise<Job> {
    return decodeJob(await this.api.request('POST', `/api/projects/${seg(projectId)}/jobs`, requestBody(req)));
  }

  async job(jobId: string): Promise<JobDetail> {
    return decodeJobDetail(await this.api.request('GET', `/api/jobs/${seg(jobId)}`));
  }

  /** Log lines after (afterAttempt, afterSeq), in order. */
  async logs(jobId: string, afterAttempt: number, afterSeq: number, limit = 5000): Promise<LogLine[]> {
    const q = `after_attempt=${afterAttempt}&after_seq=${afterSeq}&limit=${limit}`;
    const v = await this.api.request('GET', `/api/jobs/${seg(jobId)}/logs?${q}`);
    if (!isObj(v)) throw bad('logs');
    return list(v, 'lines', 'logs').map(decodeLogLine);
  }

  logUrl(jobId: string): string {
    return this.api.url(`/api/jobs/${seg(jobId)}/train.log`);
  }

  async cancel(jobId: string): Promise<void> {
    await this.api.request('POST', `/api/jobs/${seg(jobId)}/cancel`);
  }

  async deleteJob(jobId: string): Promise<void> {
    await this.api.request('DELETE', `/api/jobs/${seg(jobId)}`);
  }

  /** Predicts a whole image with a completed job's model (can take a while). */
  async predict(jobId: string, imageId: number): Promise<Prediction> {
    return decodePrediction(await this.api.request('POST', `/api/jobs/${seg(jobId)}/predict`, { image_id: imageId }));
  }

  async predictions(imageId: number): Promise<Prediction[]> {
    const v = await this.api.request('GET', `/api/images/${seg(imageId)}/predictions`);
    if (!isObj(v)) throw bad('predictions');
    return list(v, 'predictions', 'predictions').map(decodePrediction);
  }

  /** A completed run's model file (a zip), as a download link. */
  modelUrl(jobId: string): string {
    return this.api.url(`/api/jobs/${seg(jobId)}/model`);
  }

  /**
   * Imports a model file into a project: a new COMPLETED job. The bytes go
   * as the raw body (never a Blob or File: WebKitGTK).
   */
  async importModel(projectId: number, bytes: ArrayBuffer | Uint8Array<ArrayBuffer>): Promise<Job> {
    if (!looksLikeZip(bytes)) throw new ApiError('invalid', 'not a model file: a model file is a .zip downloaded from a Tessera run', 0);
    return decodeJob(await this.api.request('POST', `/api/projects/${seg(projectId)}/models`, bytes));
  }

  async validationTiles(jobId: string): Promise<ValidationTile[]> {
    return decodeValidationTiles(await this.api.request('GET', `/api/jobs/${seg(jobId)}/validation`));
  }

  /** A validation tile's image, ground-truth mask or prediction (masks: 8-bit class indices). */
  jobFileUrl(jobId: string, kind: JobFileKind, name: string): string {
    return this.api.url(`/api/jobs/${seg(jobId)}/files/${kind}/${seg(name)}`);
  }

  /** The colour overlay of a prediction: transparent background, at most 4096 px a side. */
  overlayUrl(imageId: number, jobId: string): string {
    return this.api.url(`/api/images/${seg(imageId)}/predictions/${seg(jobId)}/overlay.png`);
  }
}

function requestBody(req: JobRequest): Json {
  const body: JsonObject = { trainer: req.trainer, config: req.config };
  if (req.worker) body['worker'] = req.worker;
  if (req.pool) body['pool'] = req.pool;
  if (req.pipeline_id) body['pipeline_id'] = req.pipeline_id;
  if (req.pipeline_name) body['pipeline_name'] = req.pipeline_name;
  return body;
}
