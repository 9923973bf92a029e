import { describe, expect, it } from 'vitest';
import { imageFixture, tilesFixture } from '../images/fixtures';
import {
  ApiError,
  Client,
  decodeLabelsUpdated,
  decodeProgress,
  decodeSchema,
  decodeTileLabels,
  isSchemaEvent,
  type Fetch,
} from './api';

function stub(respond: (url: string, init?: RequestInit) => Response) {
  const calls: { url: string; init: RequestInit | undefined }[] = [];
  const fetch: Fetch = async (url, init) => {
    calls.push({ url, init });
    return respond(url, init);
  };
  return { calls, api: new Client({ fetch }) };
}

const tile = tilesFixture(1300, 900, 512)[0]!;
const tileLabels = {
  tile,
  image: imageFixture(),
  labels: {
    image_filename: 'slide__r0_c0.png',
    completed_tasks: ['finished'],
    labels: [
      { label_type: 'polygon', object_id: 'a__1', label_class: 'cell', regions: [[{ x: 1, y: 2 }, { x: 3, y: 4 }, { x: 5, y: 0 }]] },
      { label_type: 'box', object_id: 'b', centre: { x: 1, y: 1 }, size: { x: 2, y: 2 }, mine: true },
    ],
    meta: { kept: 1 },
  },
  revision: 4,
  complete: true,
  problems: null,
  neighbours: { prev: null, next: 101, left: null, right: 101, up: null, down: 103 },
};

describe('annotation API', () => {
  it('decodes a tile with its labels, keeping unknown fields', () => {
    const t = decodeTileLabels(JSON.parse(JSON.stringify(tileLabels)));
    expect(t.revision).toBe(4);
    expect(t.complete).toBe(true);
    expect(t.problems).toEqual([]);
    expect(t.neighbours).toEqual({ prev: null, next: 101, left: null, right: 101, up: null, down: 103 });
    expect(t.labels.labels[1]).toEqual({ label_type: 'box', object_id: 'b', centre: { x: 1, y: 1 }, size: { x: 2, y: 2 }, mine: true });
    expect(t.labels['meta']).toEqual({ kept: 1 });
  });

  it('rejects label files that break the contract', () => {
    for (const labels of [
      { labels: [{ object_id: 'no type' }] },
      { labels: [{ label_type: 'polygon', regions: [[{ x: 'a', y: 1 }]] }] },
      { labels: 'nope' },
    ]) {
      expect(() => decodeTileLabels({ ...tileLabels, labels })).toThrow(ApiError);
    }
    expect(() => decodeTileLabels({ ...tileLabels, revision: '4' })).toThrow(ApiError);
  });

  it('decodes schemas, progress and events', () => {
    const s = decodeSchema({
      colour_schemes: null,
      label_class_groups: [{ group_name: 'G', group_classes: [{ name: 'a', colours: { default: [1, 2, 3] } }] }],
      name: 'x',
    });
    expect(s).toEqual({
      colour_schemes: [],
      label_class_groups: [{ group_name: 'G', group_classes: [{ name: 'a', human_name: 'a', colours: { default: [1, 2, 3] } }] }],
      name: 'x',
    });
    expect(() => decodeSchema({ label_class_groups: [{ group_classes: [{ name: 'a', colours: { default: [1, 2, 300] } }] }] })).toThrow(ApiError);
    expect(decodeProgress({ images: null, tiles: 0, labelled: 0, complete: 0, classes: null, users: null })).toEqual({
      images: [],
      tiles: 0,
      labelled: 0,
      complete: 0,
      classes: [],
      users: [],
    });
    expect(decodeLabelsUpdated({ tile_id: 3, image_id: 1, revision: 2, complete: true, labels: 4, user: 'ada' })).toEqual({
      tile_id: 3,
      image_id: 1,
      revision: 2,
      complete: true,
      labels: 4,
      user: 'ada',
    });
    expect(decodeLabelsUpdated({ tile_id: '3' })).toBeNull();
    expect(isSchemaEvent({ type: 'project.updated', project_id: 2, data: { changed: 'schema' }, time: '' }, 2)).toBe(true);
    expect(isSchemaEvent({ type: 'project.updated', project_id: 2, data: {}, time: '' }, 2)).toBe(false);
  });

  it('saves labels with base revision, seconds and keepalive; 409 is a conflict', async () => {
    let status = 200;
    const { calls, api } = stub(() =>
      status === 200
        ? Response.json({ revision: 5, complete: false, problems: [{ label: 0, object_id: 'a', class: 'x', reason: 'unknown class' }] })
        : Response.json({ error: { code: 'conflict', message: 'the tile was saved by ada' } }, { status }),
    );
    const file = decodeTileLabels(tileLabels).labels;
    const res = await api.putTileLabels(7, { labels: file, base_revision: 4, edit_seconds: 12 }, { keepalive: true });
    expect(res).toEqual({ revision: 5, complete: false, problems: [{ label: 0, object_id: 'a', class: 'x', reason: 'unknown class' }] });
    expect(calls[0]!.url).toBe('/api/tiles/7/labels');
    expect(calls[0]!.init?.method).toBe('PUT');
    expect(calls[0]!.init?.keepalive).toBe(true);
    expect(JSON.parse(String(calls[0]!.init?.body))).toEqual({ labels: JSON.parse(JSON.stringify(file)), base_revision: 4, edit_seconds: 12 });
    status = 409;
    await expect(api.putTileLabels(7, { labels: file, base_revision: 3, edit_seconds: 0 })).rejects.toMatchObject({ code: 'conflict', status: 409 });
    expect(calls[1]!.init?.keepalive).toBeUndefined();
  });

  it('sends schemas as JSON text and builds export URLs', async () => {
    const { calls, api } = stub(() => Response.json({ colour_schemes: [], label_class_groups: [] }));
    await api.putSchema(3, [{ name: 'legacy', colour: [1, 2, 3] }]);
    expect(calls[0]!.init?.method).toBe('PUT');
    expect(typeof calls[0]!.init?.body).toBe('string');
    expect(calls[0]!.url).toBe('/api/projects/3/schema');
    expect(api.exportUrl(3, 'django-labeller', 'image')).toBe('/api/projects/3/export?format=django-labeller&per=image');
  });
});
