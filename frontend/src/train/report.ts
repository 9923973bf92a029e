// The report of a training run as one self-contained HTML file: settings,
// curves (PNG data: URLs), metrics per epoch, per-class IoU, the confusion
// matrix in colour and sample predictions. Nothing is loaded from
// anywhere, and it prints well to PDF.
import type { Job, JobMetric } from '../lib/api.training';
import { showValue } from './compare';
import { formatSeconds } from './eta';
import { describeTraining, heat, normaliseRows, type Evaluation } from './evaluation';
import { explain } from './explain';
import { summary } from './metrics';
import { shortId, statusInfo, targetLabel } from './status';

export interface ReportChart {
  title: string;
  /** A data:image/png;base64 URL. */
  png: string;
  legend: { label: string; colour: string; dashed?: boolean }[];
}

export interface ReportSample {
  title: string;
  png: string;
}

export interface ReportInput {
  projectName: string;
  job: Job;
  pipelineName?: string;
  /** The current attempt's metrics, in epoch order. */
  metrics: JobMetric[];
  evaluation: Evaluation;
  charts: ReportChart[];
  samples: ReportSample[];
  /** Class names → the names people read. */
  classLabels?: Record<string, string>;
  generatedAt: Date;
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

const dataPng = /^data:image\/png;base64,[A-Za-z0-9+/=]+$/;

/** Only embedded PNGs: anything else would make the file depend on a server. */
function safePng(url: string): string | null {
  return dataPng.test(url) ? url : null;
}

function n4(v: number | null | undefined): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(4);
}

/** A count (epochs, tiles, pixels) as it is, any other number to 4 decimals. */
function num(v: number): string {
  return Number.isInteger(v) ? String(v) : n4(v);
}

function pct(v: number | null | undefined): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '–' : `${(v * 100).toFixed(1)} %`;
}

function dateText(iso: string | null): string {
  if (!iso) return '–';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}

const css = `
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,'Noto Sans','DejaVu Sans',sans-serif;color:#1a1f29;margin:2rem auto;max-width:60rem;padding:0 1.5rem;line-height:1.45}
h1{font-size:1.8rem;margin:0 0 .25rem}h2{font-size:1.25rem;margin:2rem 0 .6rem;border-bottom:2px solid #d5dae1;padding-bottom:.2rem}
.sub{color:#5b6472;margin:0}
table{border-collapse:collapse;margin:.5rem 0}th,td{border:1px solid #d5dae1;padding:.3rem .6rem;text-align:left}
th{background:#f1f3f6}td.num{text-align:right;font-variant-numeric:tabular-nums}
.facts{display:grid;grid-template-columns:repeat(auto-fill,minmax(13rem,1fr));gap:.5rem 1.5rem;margin:1rem 0}
.facts div{border-left:4px solid #1d4ed8;padding-left:.6rem}.facts dt{color:#5b6472;font-size:.85rem}.facts dd{margin:0;font-weight:700;font-size:1.1rem}
.status-ok{color:#067647}.status-bad{color:#b42318}
.charts{display:grid;grid-template-columns:1fr 1fr;gap:1rem}
figure{margin:0;break-inside:avoid}figure img{width:100%;border:1px solid #d5dae1}figcaption{font-weight:700}
.legend{list-style:none;padding:0;margin:.2rem 0;display:flex;gap:1rem;font-size:.9rem}
.swatch{display:inline-block;width:1.6rem;height:0;border-top:3px solid;vertical-align:middle;margin-right:.3rem}
.bar{display:inline-block;height:.7rem;background:#1d4ed8;vertical-align:middle;margin-right:.4rem}
.matrix td{text-align:center;min-width:3.2rem;font-variant-numeric:tabular-nums}
.samples{display:grid;grid-template-columns:repeat(auto-fill,minmax(16rem,1fr));gap:1rem}
.error{background:#fdecea;color:#b42318;padding:.6rem .8rem;border-radius:6px;font-weight:600}
pre{white-space:pre-wrap;font-size:.85rem;background:#f1f3f6;padding:.6rem;border-radius:6px}
.notes dt{font-weight:700}.notes dd{margin:0 0 .5rem}
footer{margin-top:2rem;color:#5b6472;font-size:.85rem}
@media print{body{margin:0;max-width:none;font-size:11pt}h2{break-after:avoid}table,figure,.facts{break-inside:avoid}
th,.matrix td,.bar,.swatch{-webkit-print-color-adjust:exact;print-color-adjust:exact}@page{margin:1.5cm}}
`;

export function buildReport(r: ReportInput): string {
  const { job, evaluation: ev } = r;
  const label = (name: string) => r.classLabels?.[name] ?? name;
  // The epoch the trainer kept, where it says: the model the report describes.
  const valIoU = summary(r.metrics, 'val_iou', ev.bestEpoch);
  const dur =
    job.started_at && job.finished_at ? (Date.parse(job.finished_at) - Date.parse(job.started_at)) / 1000 : null;
  const parts: string[] = [];
  const title = `Training report: ${r.projectName}, run ${shortId(job.id)}`;

  parts.push(`<h1>${escapeHtml(title)}</h1>`);
  parts.push(
    `<p class="sub">${escapeHtml(r.pipelineName ? `Pipeline ${r.pipelineName} · ` : '')}trainer ${escapeHtml(job.trainer)} on ${escapeHtml(
      job.worker || targetLabel(job.target),
    )} · started by ${escapeHtml(job.created_by || '–')} · ${escapeHtml(dateText(job.created_at))}</p>`,
  );

  const st = statusInfo[job.status];
  const facts: [string, string, string?][] = [
    ['Status', st.label, job.status === 'COMPLETED' ? 'status-ok' : job.status === 'FAILED' ? 'status-bad' : undefined],
    ['Epochs', `${job.epoch || r.metrics.length} of ${job.epochs || r.metrics[r.metrics.length - 1]?.total || '–'}`],
    ['Training time', formatSeconds(dur)],
    ['Best Val IoU', valIoU.best === null ? '–' : `${n4(valIoU.best)} (epoch ${valIoU.bestEpoch})`],
    ['Last Val IoU', n4(valIoU.last)],
  ];
  if (ev.meanIoU !== null) facts.push(['Mean IoU', n4(ev.meanIoU)]);
  if (ev.pixelAccuracy !== null) facts.push(['Pixel accuracy', pct(ev.pixelAccuracy)]);
  if (ev.training) facts.push(['Speed', describeTraining(ev.training)]);
  parts.push(
    `<dl class="facts">${facts
      .map(([k, v, cls]) => `<div><dt>${escapeHtml(k)}</dt><dd${cls ? ` class="${cls}"` : ''}>${escapeHtml(v)}</dd></div>`)
      .join('')}</dl>`,
  );

  if (job.status === 'FAILED') {
    parts.push(`<p class="error">${escapeHtml(job.error || 'The run failed.')}${job.exit_code !== null ? ` (exit code ${job.exit_code})` : ''}</p>`);
    if (job.diagnostics.length > 0) parts.push(`<pre>${escapeHtml(job.diagnostics.join('\n'))}</pre>`);
  }

  parts.push('<h2>Settings</h2>');
  const cfg = Object.entries(job.config);
  parts.push(
    cfg.length === 0
      ? '<p>No settings.</p>'
      : `<table><thead><tr><th>Setting</th><th>Value</th></tr></thead><tbody>${cfg
          .map(([k, v]) => `<tr><td>${escapeHtml(k)}</td><td>${escapeHtml(showValue(v))}</td></tr>`)
          .join('')}</tbody></table>`,
  );

  const charts = r.charts.filter((c) => safePng(c.png));
  if (charts.length > 0) {
    parts.push('<h2>Curves</h2><div class="charts">');
    for (const c of charts) {
      const legend = c.legend
        .map(
          (l) =>
            `<li><span class="swatch" style="border-top-color:${escapeHtml(l.colour)};border-top-style:${l.dashed ? 'dashed' : 'solid'}"></span>${escapeHtml(l.label)}</li>`,
        )
        .join('');
      parts.push(
        `<figure><figcaption>${escapeHtml(c.title)}</figcaption><img alt="${escapeHtml(c.title)}" src="${c.png}"><ul class="legend">${legend}</ul></figure>`,
      );
    }
    parts.push('</div>');
  }

  parts.push('<h2>Metrics per epoch</h2>');
  if (r.metrics.length === 0) {
    parts.push('<p>No epoch finished.</p>');
  } else {
    parts.push(
      '<table><thead><tr><th>Epoch</th><th>Train Loss</th><th>Train IoU</th><th>Val Loss</th><th>Val IoU</th></tr></thead><tbody>' +
        r.metrics
          .map(
            (m) =>
              `<tr><td class="num">${m.epoch}${m.total ? ` / ${m.total}` : ''}</td><td class="num">${n4(m.train_loss)}</td><td class="num">${n4(
                m.train_iou,
              )}</td><td class="num">${n4(m.val_loss)}</td><td class="num">${n4(m.val_iou)}</td></tr>`,
          )
          .join('') +
        '</tbody></table>',
    );
  }

  if (ev.perClass.length > 0) {
    parts.push('<h2>IoU per class</h2><table><thead><tr><th>Class</th><th>IoU</th></tr></thead><tbody>');
    for (const c of ev.perClass) {
      const w = Math.round(Math.min(1, Math.max(0, c.iou)) * 160);
      parts.push(
        `<tr><td>${escapeHtml(label(c.name))}</td><td class="num"><span class="bar" style="width:${w}px"></span>${n4(c.iou)}</td></tr>`,
      );
    }
    parts.push('</tbody></table>');
  }

  if (ev.confusion) {
    const shares = normaliseRows(ev.confusion);
    parts.push('<h2>Confusion matrix</h2><p class="sub">Rows: the true class (your labels). Columns: what the model predicted. Each cell: share of the row’s pixels, with the count.</p>');
    parts.push(
      `<table class="matrix"><thead><tr><th>True \\ Predicted</th>${ev.classes.map((c) => `<th>${escapeHtml(label(c))}</th>`).join('')}</tr></thead><tbody>`,
    );
    ev.confusion.forEach((row, i) => {
      parts.push(`<tr><th>${escapeHtml(label(ev.classes[i] ?? `class ${i}`))}</th>`);
      row.forEach((count, j) => {
        const s = shares[i]?.[j] ?? 0;
        const h = heat(s);
        parts.push(`<td style="background:${h.bg};color:${h.fg}">${pct(s)}<br><small>${count}</small></td>`);
      });
      parts.push('</tr>');
    });
    parts.push('</tbody></table>');
  }

  if (ev.extra.length > 0) {
    parts.push(
      '<h2>Other results</h2><table><tbody>' +
        ev.extra.map((e) => `<tr><td>${escapeHtml(e.key)}</td><td class="num">${num(e.value)}</td></tr>`).join('') +
        '</tbody></table>',
    );
  }

  const samples = r.samples.filter((s) => safePng(s.png));
  if (samples.length > 0) {
    parts.push('<h2>Sample predictions</h2><div class="samples">');
    for (const s of samples) {
      parts.push(`<figure><img alt="${escapeHtml(s.title)}" src="${s.png}"><figcaption>${escapeHtml(s.title)}</figcaption></figure>`);
    }
    parts.push('</div>');
  }

  parts.push('<h2>Reading this report</h2><dl class="notes">');
  for (const k of ['loss', 'iou', 'trainVal', 'overfitting'] as const) {
    parts.push(`<dt>${escapeHtml(explain[k].title)}</dt><dd>${escapeHtml(explain[k].text)}</dd>`);
  }
  parts.push('</dl>');
  parts.push(`<footer>Run ${escapeHtml(job.id)} · made with Tessera on ${escapeHtml(r.generatedAt.toLocaleString())}</footer>`);

  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title><style>${css}</style></head>
<body>
${parts.join('\n')}
</body></html>
`;
}

/** A file name for the report: "report-cells-71953ea5.html". */
export function reportFileName(projectName: string, jobId: string): string {
  const slug = projectName
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
  return `report-${slug || 'project'}-${shortId(jobId)}.html`;
}
