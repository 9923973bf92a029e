import { describe, expect, it } from 'vitest';
import { readEvaluation } from './evaluation';
import { jobFixture, metricFixture } from './fixtures';
import { buildReport, escapeHtml, reportFileName } from './report';

const png = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

function report(over: Partial<Parameters<typeof buildReport>[0]> = {}) {
  return buildReport({
    projectName: 'Cells <101>',
    job: jobFixture({
      status: 'COMPLETED',
      finished_at: '2026-11-27T05:30:07Z',
      epoch: 5,
      best_val_iou: 0.3333,
      config: { batch_size: 8, epochs: 5, model_architecture: 'upernet-convnext-base' },
    }),
    pipelineName: 'first',
    metrics: [1, 2, 3, 4, 5].map((e) => metricFixture(e)),
    evaluation: readEvaluation({
      per_class_iou: { background: 0.91, cell: 0.4567 },
      mean_iou: 0.68,
      pixel_accuracy: 0.9,
      confusion_matrix: [
        [900, 100],
        [50, 150],
      ],
      classes: ['background', 'cell'],
    }),
    charts: [{ title: 'Loss per epoch', png, legend: [{ label: 'Train loss', colour: '#1d4ed8' }] }],
    samples: [{ title: 'slide.png', png }],
    classLabels: { cell: 'Cell' },
    generatedAt: new Date('2026-11-27T06:00:00Z'),
    ...over,
  });
}

describe('the report', () => {
  it('holds the metrics, settings, per-class IoU and confusion matrix', () => {
    const html = report();
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('<th>Val IoU</th>');
    expect(html).toContain('0.3333'); // val IoU of epoch 5
    expect(html).toContain('0.6000'); // val loss of epoch 5
    expect(html).toContain('Best Val IoU');
    expect(html).toContain('upernet-convnext-base');
    expect(html).toContain('<td>Cell</td>');
    expect(html).toContain('0.4567');
    expect(html).toContain('90.0 %'); // pixel accuracy, and 900 of 1000 on the diagonal
    expect(html).toContain('Confusion matrix');
    expect(html).toContain('background:rgb(');
    expect(html).toContain('slide.png');
    expect(html).toContain('@media print');
    expect(html).not.toContain('images/s'); // no speed said, none shown
  });

  it("says how fast a GPU run trained", () => {
    const html = report({
      evaluation: readEvaluation({ mean_iou: 0.6, training: { images_per_second: 119.8, device: 'NVIDIA H100 80GB HBM3', precision: 'bf16' } }),
    });
    expect(html).toContain('Trained at 119.8 images/s on NVIDIA H100 80GB HBM3 (bf16).');
  });

  it('is self-contained: nothing is fetched from anywhere', () => {
    const html = report();
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/src="(?!data:image\/png;base64,)/);
    expect(html).not.toMatch(/href=/);
    expect(html).not.toMatch(/<script|<link|@import|url\(/i);
    // Only embedded images, even when given something else.
    const leaky = report({
      charts: [{ title: 'x', png: 'http://evil.example/x.png', legend: [] }],
      samples: [{ title: 'y', png: '/api/images/1/thumbnail' }],
    });
    expect(leaky).not.toContain('evil.example');
    expect(leaky).not.toContain('/api/images');
  });

  it('escapes what people typed', () => {
    const html = report();
    expect(html).toContain('Cells &lt;101&gt;');
    expect(html).not.toContain('Cells <101>');
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });

  it('tells a failure plainly', () => {
    const html = report({
      job: jobFixture({ status: 'FAILED', error: 'trainer exited with code 3', exit_code: 3, diagnostics: ['RuntimeError: CUDA out of memory'] }),
      metrics: [],
      charts: [],
      samples: [],
    });
    expect(html).toContain('trainer exited with code 3 (exit code 3)');
    expect(html).toContain('CUDA out of memory');
    expect(html).toContain('No epoch finished.');
  });

  it("gives the best epoch the trainer kept, and counts as whole numbers", () => {
    // Epochs 3 and 5 tie at 4 decimals; the trainer kept epoch 5.
    const metrics = [1, 2, 3, 4, 5].map((e) => metricFixture(e, { val_iou: e === 3 || e === 5 ? 0.7123 : 0.5 }));
    const html = report({
      metrics,
      evaluation: readEvaluation({ best_epoch: 5, epochs: 5, val_tiles: 12, val_pixels: 3145728, loss_scale: 0.123456 }),
    });
    expect(html).toContain('<dd>0.7123 (epoch 5)</dd>');
    expect(html).toContain('<td>epochs</td><td class="num">5</td>');
    expect(html).toContain('<td>val_tiles</td><td class="num">12</td>');
    expect(html).toContain('<td>val_pixels</td><td class="num">3145728</td>');
    expect(html).toContain('<td>loss_scale</td><td class="num">0.1235</td>');
    expect(html).not.toContain('best_epoch');
    // Without best_epoch: the first of the best.
    expect(report({ metrics, evaluation: readEvaluation({}) })).toContain('<dd>0.7123 (epoch 3)</dd>');
  });

  it('names its file', () => {
    expect(reportFileName('Cells 101 (HeLa)', '71953ea5-6d97')).toBe('report-cells-101-hela-71953ea5.html');
    expect(reportFileName('!!!', 'abc')).toBe('report-project-abc.html');
  });
});
