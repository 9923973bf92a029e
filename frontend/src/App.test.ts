// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import App from './App.svelte';
import { imageFixture, tilesFixture } from './images/fixtures';
import type { Project } from './lib/api';
import { mountTarget, settle } from './lib/test-dom';

/** The images API of a fake project 1 holding one tiled 1300 × 900 image. */
function imagesRoute(method: string, url: string): Response | null {
  if (method !== 'GET') return null;
  const img = imageFixture({ id: 1, project_id: 1, name: 'slide.png' });
  const tiles = tilesFixture(1300, 900, 512, 1, 100);
  const path = url.split('?')[0];
  if (path === '/api/projects/1/images') return Response.json({ images: [img], total: 1 });
  if (path === '/api/images/1') return Response.json(img);
  if (path === '/api/images/1/tiles') return Response.json({ tiles, total: tiles.length });
  const m = /^\/api\/tiles\/(\d+)$/.exec(path ?? '');
  const tile = m ? tiles.find((t) => t.id === Number(m[1])) : undefined;
  if (tile) return Response.json(tile);
  if (path === '/api/projects/1/schema') return Response.json(schema);
  if (path === '/api/projects/1/progress') {
    return Response.json({
      images: [{ image_id: 1, name: 'slide.png', tiles: 6, labelled: 2, complete: 1 }],
      tiles: 6,
      labelled: 2,
      complete: 1,
      classes: [{ name: 'cell', labels: 3 }],
      users: [{ user: 'ada', tiles: 2, seconds: 125 }],
    });
  }
  const lm = /^\/api\/tiles\/(\d+)\/labels$/.exec(path ?? '');
  const lt = lm ? tiles.find((t) => t.id === Number(lm[1])) : undefined;
  if (lt) {
    const i = tiles.indexOf(lt);
    return Response.json({
      tile: lt,
      image: img,
      labels: {
        image_filename: `slide__${lt.name}.png`,
        completed_tasks: [],
        labels: [
          { label_type: 'polygon', object_id: 'a__1', label_class: 'cell', source: 'manual', anno_data: {}, regions: [[{ x: 10, y: 10 }, { x: 100, y: 10 }, { x: 50, y: 90 }]] },
          { label_type: 'polygon', object_id: 'a__2', label_class: 'ghost', source: 'manual', anno_data: {}, regions: [[{ x: 200, y: 10 }, { x: 300, y: 10 }, { x: 250, y: 90 }]] },
        ],
      },
      revision: 3,
      complete: false,
      problems: [{ label: 1, object_id: 'a__2', class: 'ghost', reason: 'class not in the schema' }],
      neighbours: { prev: tiles[i - 1]?.id ?? null, next: tiles[i + 1]?.id ?? null, left: null, right: null, up: null, down: null },
    });
  }
  return null;
}

/** The training API of project 1: one worker with one trainer, one finished run. */
function trainingRoute(method: string, url: string, body: string | undefined): Response | null {
  const path = url.split('?')[0];
  if (method === 'GET' && path === '/api/workers') {
    return Response.json({
      workers: [
        {
          name: 'gpu1',
          pool: 'lab',
          state: 'online',
          hardware: { cpu_cores: 16, memory_mb: 65536, gpu_name: 'NVIDIA RTX 4090', gpu_memory_mb: 24576, gpu_count: 1 },
          trainers: [
            {
              name: 'unet',
              label: 'U-Net',
              description: 'a small U-Net',
              config_schema: {
                epochs: { type: 'integer', label: 'Epochs', default: 10, help_text: 'Number of complete passes through the training data', min: 1 },
                learning_rate: { type: 'float', label: 'Learning Rate', default: 0.001, help_text: 'Step size for model optimization' },
              },
            },
          ],
          current_jobs: [],
        },
      ],
    });
  }
  if (method === 'GET' && path === '/api/projects/1/pipelines') return Response.json({ pipelines: [] });
  if (method === 'GET' && path === '/api/projects/1/jobs') return Response.json({ jobs: [runFixture] });
  if (method === 'POST' && path === '/api/projects/1/jobs/check') {
    const req = JSON.parse(body ?? '{}') as { config: { learning_rate?: number } };
    if ((req.config.learning_rate ?? 0) > 0.5) {
      return Response.json(
        { error: { code: 'invalid', message: 'bad', fields: [{ field: 'learning_rate', message: 'is too large for this trainer' }] } },
        { status: 400 },
      );
    }
    return Response.json({ trainer: 'unet', config: req.config });
  }
  return null;
}

const runFixture = {
  id: '71953ea5-6d97-4f3c-846a-bfd764cf3b99',
  pipeline_id: 'p1',
  project_id: 1,
  status: 'COMPLETED',
  progress: 1,
  trainer: 'unet',
  target: 'worker:gpu1',
  config: { epochs: 5 },
  worker: 'gpu1',
  attempt: 1,
  error: '',
  exit_code: null,
  diagnostics: [],
  epoch: 5,
  epochs: 5,
  best_val_iou: 0.61,
  last_val_iou: 0.6,
  created_by: 'prof',
  created_at: '2026-11-27T05:28:06Z',
  updated_at: '2026-11-27T05:30:07Z',
  started_at: '2026-11-27T05:28:07Z',
  finished_at: '2026-11-27T05:30:07Z',
};

const schema = {
  colour_schemes: [],
  label_class_groups: [
    {
      group_name: 'Cells',
      group_classes: [
        { name: 'cell', human_name: 'Cell', colours: { default: [255, 0, 0] } },
        { name: 'nucleus', human_name: 'Nucleus', colours: { default: [0, 0, 255] } },
      ],
    },
  ],
};

const project1: Project = { id: 1, name: 'Cells 101', description: '', created_at: '2026-11-27T04:00:00Z', updated_at: '2026-11-27T04:00:00Z' };

/** A tiny in-memory Tessera behind window.fetch, in server mode. */
function fakeTessera(opts: { signedIn: boolean; role?: string; projects?: Project[] }) {
  let signedIn = opts.signedIn;
  const projects: Project[] = opts.projects ?? [];
  const session = {
    user: { id: 1, name: opts.role ?? 'admin', role: opts.role ?? 'admin', created_at: '2026-11-27T04:00:00Z' },
    mode: 'server',
  };
  const err = (status: number, code: string, message: string) =>
    Response.json({ error: { code, message } }, { status });
  return async (url: string, init?: RequestInit): Promise<Response> => {
    const method = init?.method ?? 'GET';
    const key = `${method} ${url}`;
    if (key === 'GET /api/health') return Response.json({ status: 'ok', version: '0.0.0-test', mode: 'server' });
    if (key === 'POST /api/login') {
      const body = JSON.parse(String(init?.body)) as { name: string; password: string };
      if (body.password !== 'pw') return err(401, 'unauthorized', 'wrong name or password');
      signedIn = true;
      return Response.json(session);
    }
    if (!signedIn) return err(401, 'unauthorized', 'sign in first');
    if (key === 'GET /api/session') return Response.json(session);
    if (key === 'POST /api/logout') {
      signedIn = false;
      return new Response(null, { status: 204 });
    }
    if (key === 'GET /api/projects') return Response.json({ projects });
    const images = imagesRoute(method, url);
    if (images) return images;
    const training = trainingRoute(method, url, typeof init?.body === 'string' ? init.body : undefined);
    if (training) return training;
    if (key === 'POST /api/projects') {
      const body = JSON.parse(String(init?.body)) as { name: string; description: string };
      if (projects.some((p) => p.name === body.name)) {
        return err(409, 'conflict', `a project named "${body.name}" already exists`);
      }
      const p = { id: projects.length + 1, ...body, created_at: '2026-11-27T04:00:00Z', updated_at: '2026-11-27T04:00:00Z' };
      projects.push(p);
      return Response.json(p, { status: 201 });
    }
    return err(404, 'not_found', `no route ${key}`);
  };
}

function input(root: HTMLElement, selector: string, value: string) {
  const el = root.querySelector<HTMLInputElement>(selector);
  if (!el) throw new Error(`no ${selector}`);
  el.value = value;
  el.dispatchEvent(new Event('input', { bubbles: true }));
}

function submit(root: HTMLElement, selector: string) {
  const form = root.querySelector<HTMLFormElement>(selector);
  if (!form) throw new Error(`no ${selector}`);
  form.dispatchEvent(new Event('submit', { bubbles: true, cancelable: true }));
}

beforeEach(() => {
  vi.stubGlobal('EventSource', undefined);
  window.location.hash = '';
});

afterEach(() => {
  vi.unstubAllGlobals();
});

const dom = mountTarget();

describe('App', () => {
  it('signs in, validates and creates a project', async () => {
    vi.stubGlobal('fetch', fakeTessera({ signedIn: false }));
    dom.mount(App, {});

    await settle(() => expect(dom.target.textContent).toContain('Sign in'));
    input(dom.target, 'input[name=name]', 'admin');
    input(dom.target, 'input[name=password]', 'wrong');
    submit(dom.target, 'form');
    await settle(() => expect(dom.target.querySelector('[role=alert]')?.textContent).toBe('wrong name or password'));

    input(dom.target, 'input[name=password]', 'pw');
    submit(dom.target, 'form');
    await settle(() => expect(dom.target.textContent).toContain('No projects yet'));
    expect(dom.target.querySelector('.nav-user')?.textContent).toContain('admin');
    expect(dom.target.querySelector('.nav-user')?.textContent).toContain('Admin');
    expect(window.location.hash).toBe('#/projects');

    submit(dom.target, 'form.create-form');
    await settle(() => expect(dom.target.querySelector('[role=alert]')?.textContent).toBe('project name is required'));

    input(dom.target, '.create-form input[name=name]', '  Cells 101 ');
    input(dom.target, '.create-form input[name=description]', 'HeLa nuclei');
    submit(dom.target, 'form.create-form');
    // The new project opens; the list has it.
    await settle(() => expect(window.location.hash).toBe('#/projects/1/images'));
    window.location.hash = '#/projects';
    window.dispatchEvent(new HashChangeEvent('hashchange'));
    await settle(() => expect(dom.target.querySelector('.project-list')?.textContent).toContain('Cells 101'));
    expect(dom.target.querySelector('.project-list')?.textContent).toContain('HeLa nuclei');

    input(dom.target, '.create-form input[name=name]', 'Cells 101');
    submit(dom.target, 'form.create-form');
    await settle(() =>
      expect(dom.target.querySelector('[role=alert]')?.textContent).toBe('a project named "Cells 101" already exists'),
    );
  });

  it('shows the training form built from the trainer’s schema, and the runs', async () => {
    vi.stubGlobal('fetch', fakeTessera({ signedIn: true }));
    window.location.hash = '#/projects';
    dom.mount(App, {});
    await settle(() => expect(dom.target.textContent).toContain('No projects yet'));
    input(dom.target, '.create-form input[name=name]', 'Cells 101');
    submit(dom.target, 'form.create-form');
    await settle(() => expect(window.location.hash).toBe('#/projects/1/images'));

    window.location.hash = '#/projects/1/train';
    window.dispatchEvent(new HashChangeEvent('hashchange'));
    await settle(() => expect(dom.target.querySelector('.worker-card')?.textContent).toContain('NVIDIA RTX 4090 (24 GB)'));
    expect(dom.target.querySelector('h1')?.textContent).toBe('Train');
    expect(dom.target.querySelector('.worker-card')?.textContent).toContain('Online');
    expect(dom.target.querySelector('.dataset-count')?.textContent).toContain('1 tile is complete');
    await settle(() => expect(dom.target.querySelector('#cfg-epochs')).not.toBeNull());
    expect(dom.target.querySelector('.config-form')?.textContent).toContain('Number of complete passes through the training data');
    // The client finds a bad number at once…
    input(dom.target, '#cfg-epochs', '0');
    await settle(() => expect(dom.target.querySelector('[data-field=epochs] .field-error')?.textContent).toBe('Epochs must be at least 1'));
    expect(dom.target.querySelector<HTMLButtonElement>('button[type=submit]')?.disabled).toBe(true);
    // …the server what only it knows.
    input(dom.target, '#cfg-epochs', '5');
    input(dom.target, '#cfg-learning_rate', '0.9');
    await settle(() =>
      expect(dom.target.querySelector('[data-field=learning_rate] .field-error')?.textContent).toBe('Learning Rate is too large for this trainer'),
    );
    expect(dom.target.querySelector('[data-field=epochs] .field-error')).toBeNull();
    input(dom.target, '#cfg-learning_rate', '0.01');
    await settle(() => expect(dom.target.querySelector<HTMLButtonElement>('button[type=submit]')?.disabled).toBe(false));
    expect(dom.target.querySelector('.field-error')).toBeNull();

    window.location.hash = '#/projects/1/monitor';
    window.dispatchEvent(new HashChangeEvent('hashchange'));
    await settle(() => expect(dom.target.querySelector('.jobs-table')?.textContent).toContain('Run 71953ea5'));
    expect(dom.target.querySelector('.jobs-table')?.textContent).toContain('0.610');
    expect(dom.target.querySelector('.jobs-table')?.textContent).toContain('Completed');
    expect(dom.target.querySelector('.jobs-table')?.textContent).toContain('2 min 00 s');

    window.location.hash = '#/projects/99/images';
    window.dispatchEvent(new HashChangeEvent('hashchange'));
    await settle(() => expect(dom.target.textContent).toContain('Project not found'));
  });

  it('lets assistants add runs to existing pipelines only', async () => {
    vi.stubGlobal('fetch', fakeTessera({ signedIn: true, role: 'assistant', projects: [project1] }));
    window.location.hash = '#/projects/1/train';
    dom.mount(App, {});
    await settle(() => expect(dom.target.textContent).toContain('There is no pipeline yet. A teacher starts the first one'));
    expect(dom.target.querySelector('input[name=pipeline-mode]')).toBeNull();
    expect(dom.target.querySelector('input[name=pipeline-name]')).toBeNull();
    await settle(() => expect(dom.target.querySelector('.start-summary')?.textContent).toContain('Choose a pipeline.'));
    expect(dom.target.querySelector<HTMLButtonElement>('button[type=submit]')?.disabled).toBe(true);
  });

  it('tells students who starts training', async () => {
    vi.stubGlobal('fetch', fakeTessera({ signedIn: true, role: 'student', projects: [project1] }));
    window.location.hash = '#/projects/1/train';
    dom.mount(App, {});
    await settle(() => expect(dom.target.textContent).toContain('Training runs are started by your teacher or an assistant'));
    expect(dom.target.querySelector('.config-form')).toBeNull();
    expect(dom.target.querySelector('button[type=submit]')).toBeNull();
  });

  it('lists a project’s images and opens a tile with its neighbours', async () => {
    vi.stubGlobal('fetch', fakeTessera({ signedIn: true }));
    window.location.hash = '#/projects';
    dom.mount(App, {});
    await settle(() => expect(dom.target.textContent).toContain('No projects yet'));
    input(dom.target, '.create-form input[name=name]', 'Cells 101');
    submit(dom.target, 'form.create-form');
    await settle(() => expect(window.location.hash).toBe('#/projects/1/images'));

    window.location.hash = '#/projects/1/images';
    window.dispatchEvent(new HashChangeEvent('hashchange'));
    await settle(() => expect(dom.target.querySelector('.image-card')).not.toBeNull());
    const card = dom.target.querySelector('.image-card')!;
    expect(card.textContent).toContain('slide.png');
    expect(card.textContent).toContain('1300 × 900');
    expect(card.textContent).toContain('Ready');
    expect(card.textContent).toContain('6 tiles');
    expect(card.querySelector('a.image-name')?.getAttribute('href')).toBe('#/projects/1/images/1');
    expect(dom.target.textContent).toContain('Choose images…');
    expect(dom.target.querySelector('.not-built')).toBeNull();

    window.location.hash = '#/projects/1/tiles/101';
    window.dispatchEvent(new HashChangeEvent('hashchange'));
    await settle(() => expect(dom.target.querySelector('.tile-image')).not.toBeNull());
    expect(dom.target.querySelector('h1')?.textContent).toBe('Tile r0_c1');
    expect(dom.target.querySelector('.tile-image')?.getAttribute('src')).toBe('/api/tiles/101/image');
    const links = [...dom.target.querySelectorAll<HTMLAnchorElement>('.tile-nav a')].map((a) => [a.textContent, a.getAttribute('href')]);
    expect(links).toEqual([
      ['← Previous tile', '#/projects/1/tiles/100'],
      ['Next tile →', '#/projects/1/tiles/102'],
    ]);
    expect(dom.target.querySelector('.nav-steps a[aria-current]')?.textContent).toContain('Annotate');
    // The labels are drawn; the one whose class the schema lacks is grey, with a warning.
    await settle(() => expect(dom.target.querySelectorAll('g.label')).toHaveLength(2));
    expect(dom.target.querySelector('g.label.unknown')?.getAttribute('data-class')).toBe('ghost');
    expect(dom.target.querySelector('.editor-side .warn')?.textContent).toContain('1 label has a class not in the schema');
    expect(dom.target.querySelector('.problems')?.textContent).toContain('class not in the schema');
    expect([...dom.target.querySelectorAll('.class-picker button')].map((b) => b.textContent?.replace(/\s+/g, ' ').trim())).toEqual([
      '1 Cell',
      '2 Nucleus',
    ]);
    expect(dom.target.querySelector('.save-state')?.textContent?.trim()).toBe('Saved');
  });

  it('shows the Annotate step: images with progress, classes, export', async () => {
    vi.stubGlobal('fetch', fakeTessera({ signedIn: true }));
    window.location.hash = '#/projects';
    dom.mount(App, {});
    await settle(() => expect(dom.target.textContent).toContain('No projects yet'));
    input(dom.target, '.create-form input[name=name]', 'Cells 101');
    submit(dom.target, 'form.create-form');
    await settle(() => expect(window.location.hash).toBe('#/projects/1/images'));

    window.location.hash = '#/projects/1/annotate';
    window.dispatchEvent(new HashChangeEvent('hashchange'));
    await settle(() => expect(dom.target.querySelector('.annotate-image')).not.toBeNull());
    const row = dom.target.querySelector('.annotate-image')!;
    expect(row.textContent).toContain('slide.png');
    expect(row.textContent).toContain('1 of 6 tiles complete, 1 more labelled');
    expect(row.querySelector('button')?.textContent?.trim()).toBe('Continue annotating');
    expect(dom.target.querySelector('.progress-panel')?.textContent).toContain('1 / 6 tiles complete');
    expect(dom.target.querySelector('.class-counts')?.textContent).toContain('Cell');
    expect(dom.target.querySelector('table.users')?.textContent).toContain('2 min');
    // Admins edit classes.
    expect(dom.target.querySelectorAll('.class-row')).toHaveLength(2);
    expect(dom.target.querySelector('form.add-class')).not.toBeNull();
    const exports = [...dom.target.querySelectorAll<HTMLAnchorElement>('.export-buttons a')].map((a) => a.getAttribute('href'));
    // Complete tiles only unless asked: an unlabelled tile's mask would read as all background.
    expect(exports).toEqual([
      '/api/projects/1/export?format=masks&per=tile&complete=1',
      '/api/projects/1/export?format=django-labeller&per=tile&complete=1',
      '/api/projects/1/export?format=coco&per=tile&complete=1',
    ]);
  });

  it('shows students the classes without editing, and no export', async () => {
    const project = { id: 1, name: 'Cells 101', description: '', created_at: '2026-11-27T04:00:00Z', updated_at: '2026-11-27T04:00:00Z' };
    vi.stubGlobal('fetch', fakeTessera({ signedIn: true, role: 'student', projects: [project] }));
    window.location.hash = '#/projects/1/annotate';
    dom.mount(App, {});
    await settle(() => expect(dom.target.querySelector('.annotate-image')).not.toBeNull());
    expect(dom.target.querySelectorAll('.class-row')).toHaveLength(2);
    expect(dom.target.querySelector('.class-row input')).toBeNull();
    expect(dom.target.querySelector('form.add-class')).toBeNull();
    expect(dom.target.querySelector('.export-panel')).toBeNull();
    expect(dom.target.querySelector('table.users')).toBeNull();
  });
});
