// Gathers what a report shows (curves drawn to PNG, sample predictions
// composed over their images) and saves it as one HTML file.
import type { Client, Schema } from '../lib/api';
import { saveFile, type SaveOutcome } from '../lib/save-file';
import { TrainingClient, type JobDetail } from '../lib/api.training';
import { flatClasses } from '../annotate/schema';
import { chartPng, iouSpec, lossSpec } from './chart';
import { readEvaluation } from './evaluation';
import { currentAttempt, seriesOf } from './metrics';
import { buildReport, reportFileName, type ReportChart, type ReportSample } from './report';

function loadImage(url: string): Promise<HTMLImageElement> {
  return new Promise((resolve, reject) => {
    const img = new Image();
    img.onload = () => resolve(img);
    img.onerror = () => reject(new Error(`cannot load ${url}`));
    img.src = url;
  });
}

/** An image's thumbnail with a prediction's overlay on it, as a PNG data: URL. */
async function composite(baseUrl: string, overlayUrl: string): Promise<string> {
  const [base, over] = await Promise.all([loadImage(baseUrl), loadImage(overlayUrl)]);
  const canvas = document.createElement('canvas');
  canvas.width = base.naturalWidth;
  canvas.height = base.naturalHeight;
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('no 2D canvas');
  ctx.drawImage(base, 0, 0);
  ctx.globalAlpha = 0.55;
  ctx.drawImage(over, 0, 0, canvas.width, canvas.height);
  return canvas.toDataURL('image/png');
}

/** Up to `max` of the project's images this job predicted, drawn with their overlays. */
async function samples(api: Client, train: TrainingClient, projectId: number, jobId: string, max = 3): Promise<ReportSample[]> {
  const out: ReportSample[] = [];
  const page = await api.listImages(projectId, 0, 30);
  for (const img of page.images) {
    if (out.length >= max) break;
    const preds = await train.predictions(img.id).catch(() => []);
    if (!preds.some((p) => p.job_id === jobId)) continue;
    try {
      out.push({ title: img.name, png: await composite(api.thumbnailUrl(img.id), train.overlayUrl(img.id, jobId)) });
    } catch {
      // an image that does not load is left out
    }
  }
  return out;
}

export interface ReportRequest {
  api: Client;
  projectId: number;
  projectName: string;
  detail: JobDetail;
  pipelineName?: string;
}

/** Builds the report's HTML (in the page: it draws on canvases). */
export async function makeReport(r: ReportRequest): Promise<{ html: string; fileName: string }> {
  const train = new TrainingClient(r.api);
  const metrics = currentAttempt(r.detail.metrics);
  const epochs = r.detail.job.epochs || metrics[metrics.length - 1]?.total || undefined;
  const charts: ReportChart[] = [];
  if (metrics.length > 0) {
    const loss = lossSpec(epochs);
    const iou = iouSpec(epochs);
    const [lossPng, iouPng] = await Promise.all([
      chartPng(loss, seriesOf(metrics, ['train_loss', 'val_loss'])),
      chartPng(iou, seriesOf(metrics, ['train_iou', 'val_iou'])),
    ]);
    charts.push({ title: 'Loss per epoch', png: lossPng, legend: loss.lines });
    charts.push({ title: 'IoU per epoch', png: iouPng, legend: iou.lines });
  }
  const schema: Schema | null = await r.api.getSchema(r.projectId).catch(() => null);
  const classLabels: Record<string, string> = {};
  if (schema) for (const e of flatClasses(schema)) classLabels[e.cls.name] = e.cls.human_name;
  const sampleList = r.detail.job.status === 'COMPLETED' ? await samples(r.api, train, r.projectId, r.detail.job.id).catch(() => []) : [];
  const html = buildReport({
    projectName: r.projectName,
    job: r.detail.job,
    pipelineName: r.pipelineName,
    metrics,
    evaluation: readEvaluation(r.detail.evaluation, metrics[metrics.length - 1]),
    charts,
    samples: sampleList,
    classLabels,
    generatedAt: new Date(),
  });
  return { html, fileName: reportFileName(r.projectName, r.detail.job.id) };
}

/** Saves text as a download (a Blob link: works in browsers; the desktop window may ignore it). */
export function saveReport(text: string, fileName: string, type = 'text/html'): Promise<SaveOutcome> {
  return saveFile(text, fileName, `${type};charset=utf-8`);
}
