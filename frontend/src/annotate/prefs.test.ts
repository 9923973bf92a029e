import { describe, expect, it } from 'vitest';
import { imageFixture, tilesFixture } from '../images/fixtures';
import { Client, type Fetch } from '../lib/api';
import { clampRadius, defaults, readPrefs } from './prefs.svelte';
import { firstOpenTile, formatDuration } from './tiles';

describe('editor prefs', () => {
  it('reads stored prefs field by field, falling back to defaults', () => {
    expect(readPrefs(null)).toEqual(defaults);
    expect(readPrefs('not json')).toEqual(defaults);
    expect(readPrefs(JSON.stringify({ tool: 'brush', radius: 999, opacity: 2, cls: 'cell', showLabels: false }))).toEqual({
      ...defaults,
      tool: 'brush',
      radius: 200,
      cls: 'cell',
      showLabels: false,
    });
    expect(readPrefs(JSON.stringify({ tool: 'laser' })).tool).toBe('polygon');
    expect(clampRadius(0.2)).toBe(1);
  });
});

describe('first open tile', () => {
  const tiles = tilesFixture(1300, 900, 512);
  function api(completeIds: number[]) {
    const gets: string[] = [];
    const fetch: Fetch = async (url) => {
      gets.push(url);
      if (url.startsWith('/api/images/1/tiles')) return Response.json({ tiles: [...tiles].reverse(), total: tiles.length });
      const id = Number(/tiles\/(\d+)\/labels/.exec(url)?.[1]);
      const t = tiles.find((x) => x.id === id)!;
      return Response.json({
        tile: t,
        image: imageFixture(),
        labels: { labels: [] },
        revision: 1,
        complete: completeIds.includes(id),
        problems: [],
        neighbours: {},
      });
    };
    return { gets, client: new Client({ fetch }) };
  }

  it('opens the first tile at once when none is complete', async () => {
    const a = api([]);
    expect((await firstOpenTile(a.client, 1, 0))?.id).toBe(100);
    expect(a.gets.filter((g) => g.includes('/labels'))).toEqual([]);
  });

  it('skips complete tiles in reading order', async () => {
    const a = api([100, 101, 102]);
    expect((await firstOpenTile(a.client, 1, 3, 2))?.id).toBe(103);
    const b = api(tiles.map((t) => t.id));
    expect((await firstOpenTile(b.client, 1, 6))?.id).toBe(100);
  });

  it('formats time spent', () => {
    expect(formatDuration(40)).toBe('40 s');
    expect(formatDuration(125)).toBe('2 min');
    expect(formatDuration(3900)).toBe('1 h 05 min');
  });
});
