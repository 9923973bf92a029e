import { describe, expect, it } from 'vitest';
import { ApiError, Client, type Fetch } from './api';
import {
  decodeJob,
  decodeValidationTiles,
  decodeWorker,
  jobFromEvent,
  logFromEvent,
  looksLikeZip,
  metricFromEvent,
  TrainingClient,
} from './api.training';

function stub(respond: (url: string, init?: RequestInit) => Response) {
  const calls: { url: string; init: RequestInit | undefined }[] = [];
  const fetch: Fetch = async (url, init) => {
    calls.push({ url, init });
    return respond(url, init);
  };
  return { calls, train: new TrainingClient(new Client({ fetch })) };
}

// What the server sends (from a real `tessera serve`).
const jobJson = {
  id: '71953ea5-6d97-4f3c-846a-bfd764cf3b99',
  pipeline_id: '629155a3-7fe7-471f-b945-b4510b4fad98',
  project_id: 1,
  status: 'COMPLETED',
  progress: 1,
  trainer: 'fake',
  target: 'worker:local',
  config: { batch_size: 8, epochs: 5, learning_rate: 0.001, model_architecture: 'upernet-convnext-base' },
  worker: 'local',
  attempt: 1,
  error: '',
  exit_code: null,
  diagnostics: [],
  epoch: 5,
  epochs: 5,
  best_val_iou: 0.3333,
  last_val_iou: 0.3333,
  created_by: 'admin',
  created_at: '2026-11-27T05:28:06.543884Z',
  updated_at: '2026-11-27T05:28:07.338704Z',
  started_at: '2026-11-27T05:28:07.311386217Z',
  finished_at: '2026-11-27T05:28:07.338048923Z',
};

const workerJson = {
  id: '262ce1c71ade2b49',
  name: 'local',
  pool: 'local',
  hardware: { cpu_cores: 2, memory_mb: 24105 },
  trainers: [
    {
      name: 'fake',
      label: 'fake',
      description: 'a trainer program',
      config_schema: {
        batch_size: { type: 'integer', label: 'Batch Size', default: 8, help_text: 'Number of images to process simultaneously' },
        epochs: { type: 'integer', label: 'Epochs', default: 10, help_text: 'Number of complete passes through the training data' },
      },
    },
  ],
  current_jobs: null,
  slots: 1,
  version: '0.1.0-dev',
  started_at: '2026-11-27T05:27:51Z',
  last_seen: '2026-11-27T05:27:51Z',
  state: 'online',
};

describe('training API', () => {
  it('decodes workers and jobs', () => {
    const w = decodeWorker(workerJson);
    expect(w).toMatchObject({ name: 'local', state: 'online', current_jobs: [], hardware: { cpu_cores: 2, gpu_name: '', gpu_memory_mb: 0 } });
    expect(w.trainers[0]!.config_schema.map((f) => f.name)).toEqual(['batch_size', 'epochs']);
    expect(decodeWorker({ ...workerJson, state: 'weird' }).state).toBe('offline');
    const j = decodeJob(jobJson);
    expect(j).toMatchObject({ status: 'COMPLETED', exit_code: null, best_val_iou: 0.3333, config: { epochs: 5 } });
    expect(decodeJob({ ...jobJson, started_at: null, exit_code: 137, diagnostics: null }).exit_code).toBe(137);
    expect(() => decodeJob({ ...jobJson, status: 'RUNNING' })).toThrow(ApiError);
  });

  it('reads job events', () => {
    const time = '2026-11-27T05:28:17Z';
    expect(jobFromEvent({ type: 'job.updated', project_id: 1, data: jobJson, time })?.id).toBe(jobJson.id);
    expect(jobFromEvent({ type: 'job.updated', data: { id: 1 }, time })).toBeNull();
    expect(
      logFromEvent({ type: 'job.log', data: { job_id: 'j', lines: [{ attempt: 1, seq: 4, stream: 'stdout', text: 'x', time }] }, time }),
    ).toEqual({ job_id: 'j', lines: [{ attempt: 1, seq: 4, stream: 'stdout', text: 'x', time }] });
    const m = metricFromEvent({
      type: 'job.metric',
      data: { job_id: 'j', metric: { attempt: 1, epoch: 2, total: 2, train_loss: 0.5, train_iou: 0.5, val_loss: null, val_iou: 0.33, class_iou: { a: 0.1 }, time } },
      time,
    });
    expect(m?.metric).toMatchObject({ epoch: 2, val_loss: null, class_iou: { a: 0.1 } });
    expect(metricFromEvent({ type: 'job.log', data: {}, time })).toBeNull();
  });

  it('sends job requests and reads per-field errors', async () => {
    const { calls, train } = stub((url) => {
      if (url.endsWith('/jobs/check')) {
        return Response.json(
          {
            error: {
              code: 'invalid',
              message: 'the training configuration has 1 problem(s): epochs: must be a whole number, not text "abc"',
              fields: [{ field: 'epochs', message: 'must be a whole number, not text "abc"' }],
            },
          },
          { status: 400 },
        );
      }
      return Response.json(jobJson, { status: 201 });
    });
    const err = await train.checkJob(1, { worker: 'local', trainer: 'fake', config: { epochs: 'abc' } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).fields).toEqual([{ field: 'epochs', message: 'must be a whole number, not text "abc"' }]);
    const job = await train.createJob(1, { worker: 'local', trainer: 'fake', config: { epochs: 5 }, pipeline_name: 'first' });
    expect(job.id).toBe(jobJson.id);
    expect(calls[1]!.url).toBe('/api/projects/1/jobs');
    expect(JSON.parse(String(calls[1]!.init?.body))).toEqual({ trainer: 'fake', config: { epochs: 5 }, worker: 'local', pipeline_name: 'first' });
  });

  it('pages logs and builds URLs', async () => {
    const { calls, train } = stub(() => Response.json({ lines: [{ attempt: 1, seq: 6, stream: 'stdout', text: 'hi', time: '' }] }));
    const ls = await train.logs('abc', 1, 5, 5000);
    expect(ls).toHaveLength(1);
    expect(calls[0]!.url).toBe('/api/jobs/abc/logs?after_attempt=1&after_seq=5&limit=5000');
    expect(train.logUrl('abc')).toBe('/api/jobs/abc/train.log');
    expect(train.overlayUrl(3, 'abc')).toBe('/api/images/3/predictions/abc/overlay.png');
  });

  it('decodes a job detail and predictions', async () => {
    const { train } = stub((url) => {
      if (url === '/api/images/3/predictions') {
        return Response.json({
          predictions: [
            {
              job_id: 'abc',
              image_id: 3,
              width: 1100,
              height: 600,
              classes: [{ index: 1, name: 'cell', label: 'Cell', colour: [255, 0, 0] }],
              pixels: { background: 10, cell: 5 },
              seconds: 0.3,
              created_at: '2026-11-27T05:39:34Z',
            },
          ],
        });
      }
      return Response.json({ job: jobJson, transitions: null, metrics: [], log_lines: 90, evaluation: { best_val_iou: 0.5 } });
    });
    const d = await train.job(jobJson.id);
    expect(d).toMatchObject({ transitions: [], log_lines: 90, evaluation: { best_val_iou: 0.5 }, model: null });
    const ps = await train.predictions(3);
    expect(ps[0]).toMatchObject({ job_id: 'abc', classes: [{ name: 'cell', colour: [255, 0, 0] }], pixels: { cell: 5 } });
  });
});

describe('what a job\'s model is', () => {
  it('says whether this app runs it', async () => {
    const model = { format: 'tessera-upernet-convnext/1', trainer: 'tessera pytorch trainer', onnx: true, runs_here: false };
    const { train } = stub(() => Response.json({ job: jobJson, transitions: [], metrics: [], log_lines: 0, evaluation: null, model }));
    expect((await train.job(jobJson.id)).model).toEqual(model);
  });
});

describe('model files and validation tiles', () => {
  const zip = new Uint8Array([0x50, 0x4b, 3, 4, 20, 0, 0, 0]);

  it('imports a model file as the raw body and decodes the new job', async () => {
    const { calls, train } = stub(() => new Response(JSON.stringify({ ...jobJson, trainer: 'cpu' }), { status: 201 }));
    const j = await train.importModel(3, zip.buffer);
    expect(j).toMatchObject({ status: 'COMPLETED', trainer: 'cpu' });
    expect(calls[0]!.url).toBe('/api/projects/3/models');
    expect(calls[0]!.init?.method).toBe('POST');
    expect(calls[0]!.init?.body).toBe(zip.buffer);
    expect((calls[0]!.init?.headers as Record<string, string>)['Content-Type']).toBe('application/octet-stream');
  });

  it('refuses what is not a zip before sending, and passes on the server error', async () => {
    const { calls, train } = stub(
      () => new Response(JSON.stringify({ error: { code: 'invalid', message: 'not a model file: it has no models/model.json' } }), { status: 400 }),
    );
    await expect(train.importModel(3, new TextEncoder().encode('hello').buffer)).rejects.toThrow(/not a model file/);
    expect(calls).toHaveLength(0);
    await expect(train.importModel(3, zip)).rejects.toMatchObject({ status: 400, message: 'not a model file: it has no models/model.json' });
    expect(calls).toHaveLength(1);
  });

  it('lists validation tiles and builds file URLs', async () => {
    const { calls, train } = stub(
      () => new Response(JSON.stringify({ tiles: [{ name: 'cell_r001_c001.png', prediction: true }, { name: 'b c.png', prediction: false }] })),
    );
    expect(await train.validationTiles('j 1')).toEqual([
      { name: 'cell_r001_c001.png', prediction: true },
      { name: 'b c.png', prediction: false },
    ]);
    expect(calls[0]!.url).toBe('/api/jobs/j%201/validation');
    expect(train.jobFileUrl('j1', 'masks', 'b c.png')).toBe('/api/jobs/j1/files/masks/b%20c.png');
    expect(train.modelUrl('j1')).toBe('/api/jobs/j1/model');
  });

  it('checks the validation answer', () => {
    expect(decodeValidationTiles({ tiles: null })).toEqual([]);
    expect(decodeValidationTiles({ tiles: [{ name: 'a.png' }] })).toEqual([{ name: 'a.png', prediction: false }]);
    expect(() => decodeValidationTiles([])).toThrow(ApiError);
    expect(() => decodeValidationTiles({ tiles: [{ prediction: true }] })).toThrow(ApiError);
    expect(() => decodeValidationTiles({ tiles: [{ name: '../x.png' }] })).toThrow(ApiError);
    expect(() => decodeValidationTiles({ tiles: 'a' })).toThrow(ApiError);
  });

  it('knows a zip by its first bytes', () => {
    expect(looksLikeZip(zip)).toBe(true);
    expect(looksLikeZip(new Uint8Array([0x50, 0x4b, 5, 6]).buffer)).toBe(true);
    expect(looksLikeZip(new Uint8Array([0x50, 0x4b]))).toBe(false);
    expect(looksLikeZip(new Uint8Array([0x89, 0x50, 0x4e, 0x47]))).toBe(false);
  });
});
