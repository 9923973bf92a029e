import { describe, expect, it } from 'vitest';
import { tilesFixture } from '../images/fixtures';
import { Client, type Fetch } from '../lib/api';
import { clampRadius, defaults, readPrefs } from './prefs.svelte';
import { formatDuration, nextTileToOpen } from './tiles';

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

describe('next tile to open', () => {
  const tiles = tilesFixture(1300, 900, 512);
  function api() {
    const gets: string[] = [];
    const fetch: Fetch = async (url) => {
      gets.push(url);
      if (url === '/api/projects/7/next-tile?image=1') return Response.json({ tile: tiles[3] });
      if (url === '/api/projects/7/next-tile?image=2') return Response.json({ tile: null });
      return Response.json({ error: { code: 'not_found', message: `no route ${url}` } }, { status: 404 });
    };
    return { gets, client: new Client({ fetch }) };
  }

  it('asks the server, which knows who has which tile open, and reads no labels', async () => {
    const a = api();
    expect((await nextTileToOpen(a.client, 7, 1))?.id).toBe(tiles[3]!.id);
    expect(await nextTileToOpen(a.client, 7, 2)).toBeUndefined();
    expect(a.gets).toEqual(['/api/projects/7/next-tile?image=1', '/api/projects/7/next-tile?image=2']);
  });

  it('asks nothing once the page is gone', async () => {
    const a = api();
    const gone = new AbortController();
    gone.abort();
    await expect(nextTileToOpen(a.client, 7, 1, gone.signal)).rejects.toBeDefined();
    expect(a.gets).toEqual([]);
  });
});

describe('durations', () => {
  it('formats time spent', () => {
    expect(formatDuration(40)).toBe('40 s');
    expect(formatDuration(125)).toBe('2 min');
    expect(formatDuration(3900)).toBe('1 h 05 min');
  });
});
