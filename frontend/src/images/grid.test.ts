import { describe, expect, it } from 'vitest';
import { imageFixture, tilesFixture } from './fixtures';
import { neighbours, rowMajor, screenRect, svgMatrix, tileAt, toImage, toScreen, transformFrom } from './grid';

describe('the image → viewer transform', () => {
  // A 20000 × 15000 image shown 1000 px wide, its corner 40 px in and 75 px down.
  const t = transformFrom({ x: 40, y: 75 }, { x: 1040, y: 825 }, 20000, 15000);

  it('maps image pixels to the viewer and back', () => {
    expect(t).toEqual({ scaleX: 0.05, scaleY: 0.05, offsetX: 40, offsetY: 75 });
    expect(toScreen(t, { x: 0, y: 0 })).toEqual({ x: 40, y: 75 });
    expect(toScreen(t, { x: 512, y: 1024 })).toEqual({ x: 40 + 25.6, y: 75 + 51.2 });
    const back = toImage(t, toScreen(t, { x: 12345, y: 6789 }));
    expect(back.x).toBeCloseTo(12345, 6);
    expect(back.y).toBeCloseTo(6789, 6);
  });

  it('puts each tile where the image shows it', () => {
    const tiles = tilesFixture(20000, 15000, 512);
    const last = tiles[tiles.length - 1]!;
    expect(last).toMatchObject({ row: 29, col: 39, x: 19968, y: 14848, width: 32, height: 152 });
    const r = screenRect(t, last);
    expect(r.x).toBeCloseTo(40 + 19968 * 0.05);
    expect(r.y).toBeCloseTo(75 + 14848 * 0.05);
    expect(r.width).toBeCloseTo(1.6);
    expect(r.height).toBeCloseTo(7.6);
    // The far edge of the last tile is the far corner of the image.
    expect(r.x + r.width).toBeCloseTo(1040);
    expect(r.y + r.height).toBeCloseTo(825);
  });

  it('writes the SVG matrix that draws image pixels in place', () => {
    expect(svgMatrix(t)).toBe('matrix(0.05 0 0 0.05 40 75)');
    // Zoomed in past 1:1 and panned left.
    const z = transformFrom({ x: -3000.5, y: -10 }, { x: 37000.5, y: 29990 }, 20000, 15000);
    expect(svgMatrix(z)).toBe('matrix(2.00005 0 0 2 -3000.5 -10)');
  });

  it('survives a zero-sized image', () => {
    const img = imageFixture({ width: 0, height: 0 });
    expect(transformFrom({ x: 1, y: 2 }, { x: 1, y: 2 }, img.width, img.height)).toEqual({
      scaleX: 1,
      scaleY: 1,
      offsetX: 1,
      offsetY: 2,
    });
  });
});

describe('tileAt', () => {
  const tiles = tilesFixture(1300, 900, 512);

  it('finds the tile under a point', () => {
    expect(tiles).toHaveLength(6);
    expect(tileAt(tiles, { x: 0, y: 0 })).toMatchObject({ row: 0, col: 0 });
    expect(tileAt(tiles, { x: 511.9, y: 10 })).toMatchObject({ row: 0, col: 0 });
    expect(tileAt(tiles, { x: 512, y: 10 })).toMatchObject({ row: 0, col: 1 });
    expect(tileAt(tiles, { x: 1299, y: 899 })).toMatchObject({ row: 1, col: 2, width: 276, height: 388 });
  });

  it('finds nothing outside the image', () => {
    expect(tileAt(tiles, { x: -1, y: 5 })).toBeUndefined();
    expect(tileAt(tiles, { x: 1300, y: 5 })).toBeUndefined();
    expect(tileAt(tiles, { x: 5, y: 900 })).toBeUndefined();
    expect(tileAt([], { x: 5, y: 5 })).toBeUndefined();
  });

  it('picks the tile whose centre is nearest where tiles overlap', () => {
    // 64 px of overlap: tile 1 starts at 448.
    const a = { x: 0, y: 0, width: 512, height: 512, id: 1 };
    const b = { x: 448, y: 0, width: 512, height: 512, id: 2 };
    expect(tileAt([a, b], { x: 470, y: 100 })?.id).toBe(1);
    expect(tileAt([a, b], { x: 490, y: 100 })?.id).toBe(2);
  });
});

describe('neighbours', () => {
  it('walks the tiles in reading order, whatever order they came in', () => {
    const tiles = tilesFixture(1300, 900, 512);
    const shuffled = [tiles[4]!, tiles[0]!, tiles[5]!, tiles[2]!, tiles[1]!, tiles[3]!];
    expect(rowMajor(shuffled).map((t) => t.name)).toEqual(['r0_c0', 'r0_c1', 'r0_c2', 'r1_c0', 'r1_c1', 'r1_c2']);
    const mid = neighbours(shuffled, tiles[2]!.id);
    expect(mid.prev?.name).toBe('r0_c1');
    expect(mid.next?.name).toBe('r1_c0');
    expect(mid.index).toBe(2);
    expect(neighbours(shuffled, tiles[0]!.id).prev).toBeUndefined();
    expect(neighbours(shuffled, tiles[5]!.id).next).toBeUndefined();
    expect(neighbours(shuffled, 9999)).toEqual({ prev: undefined, next: undefined, index: -1 });
  });
});
