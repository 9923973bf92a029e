import { describe, expect, it } from 'vitest';
import {
  addShape,
  circle,
  convexHull,
  inRegions,
  multiToRegions,
  regionsPath,
  regionsToMulti,
  ringArea,
  strokePolygon,
  subtractShape,
  thin,
  type Region,
} from './geometry';

const square = (x: number, y: number, s: number): Region => [
  { x, y },
  { x: x + s, y },
  { x: x + s, y: y + s },
  { x, y: y + s },
];

/** Area covered under XOR: outer rings minus holes (regions of multiToRegions are disjoint rings and holes). */
function xorArea(regions: Region[]): number {
  // Sample the area on a grid: exact enough and independent of ring order.
  let n = 0;
  for (let y = -50; y < 250; y += 1) for (let x = -50; x < 250; x += 1) if (inRegions(regions, { x: x + 0.5, y: y + 0.5 })) n++;
  return n;
}

describe('geometry', () => {
  it('treats a region inside another as a hole (XOR)', () => {
    const regions = [square(0, 0, 100), square(25, 25, 50)];
    expect(inRegions(regions, { x: 10, y: 10 })).toBe(true);
    expect(inRegions(regions, { x: 50, y: 50 })).toBe(false);
    const mp = regionsToMulti(regions);
    expect(mp).toHaveLength(1);
    expect(mp[0]).toHaveLength(2); // outer ring and its hole
    const back = multiToRegions(mp);
    expect(back).toHaveLength(2);
    expect(back.every((r) => r[0]!.x !== r[r.length - 1]!.x || r[0]!.y !== r[r.length - 1]!.y)).toBe(true);
    expect(xorArea(back)).toBe(10000 - 2500);
  });

  it('XORs overlapping regions of one label', () => {
    const regions = [square(0, 0, 100), square(50, 50, 100)];
    const out = multiToRegions(regionsToMulti(regions));
    expect(xorArea(out)).toBe(20000 - 2 * 2500);
    expect(inRegions(out, { x: 75, y: 75 })).toBe(false);
  });

  it('turns a brush stroke into one polygon covering the capsule', () => {
    const mp = strokePolygon([{ x: 10, y: 50 }, { x: 60, y: 50 }, { x: 110, y: 50 }], 10);
    expect(mp).toHaveLength(1);
    const regions = multiToRegions(mp);
    expect(regions).toHaveLength(1);
    expect(inRegions(regions, { x: 60, y: 55 })).toBe(true);
    expect(inRegions(regions, { x: 2, y: 50 })).toBe(true); // the round cap
    expect(inRegions(regions, { x: 60, y: 62 })).toBe(false);
    // ≈ rectangle 100 × 20 plus a disc of radius 10
    expect(ringArea(regions[0]!)).toBeGreaterThan(2000 + 290);
    expect(ringArea(regions[0]!)).toBeLessThan(2000 + 360);
  });

  it('a click of the brush is a disc', () => {
    const regions = multiToRegions(strokePolygon([{ x: 5, y: 5 }], 4));
    expect(regions).toHaveLength(1);
    expect(ringArea(regions[0]!)).toBeCloseTo(Math.PI * 16, -0.5);
  });

  it('adds and subtracts strokes, making holes and splitting', () => {
    let regions: Region[] = [square(0, 0, 100)];
    // A stroke inside takes out a hole: two regions, outer and hole.
    regions = subtractShape(regions, strokePolygon([{ x: 50, y: 50 }], 10));
    expect(regions).toHaveLength(2);
    expect(inRegions(regions, { x: 50, y: 50 })).toBe(false);
    expect(inRegions(regions, { x: 5, y: 5 })).toBe(true);
    // Painting over the hole fills it again.
    regions = addShape(regions, strokePolygon([{ x: 50, y: 50 }], 15));
    expect(regions).toHaveLength(1);
    expect(inRegions(regions, { x: 50, y: 50 })).toBe(true);
    // A stroke right across cuts the square in two.
    regions = subtractShape(regions, strokePolygon([{ x: -20, y: 50 }, { x: 120, y: 50 }], 5));
    expect(regions).toHaveLength(2);
    expect(inRegions(regions, { x: 50, y: 20 })).toBe(true);
    expect(inRegions(regions, { x: 50, y: 80 })).toBe(true);
    expect(inRegions(regions, { x: 50, y: 50 })).toBe(false);
    // A stroke apart from the label adds a second island.
    regions = addShape(regions, strokePolygon([{ x: 200, y: 200 }], 5));
    expect(regions).toHaveLength(3);
    // Subtracting everything leaves nothing.
    expect(subtractShape(regions, [[[[-100, -100], [300, -100], [300, 300], [-100, 300]]]])).toEqual([]);
  });

  it('adding to a label whose regions are holes keeps XOR meaning', () => {
    const regions = [square(0, 0, 100), square(25, 25, 50)];
    const out = addShape(regions, strokePolygon([{ x: 150, y: 150 }], 5));
    expect(inRegions(out, { x: 50, y: 50 })).toBe(false);
    expect(inRegions(out, { x: 10, y: 10 })).toBe(true);
    expect(inRegions(out, { x: 150, y: 150 })).toBe(true);
  });

  it('thins stroke points and builds hulls', () => {
    const pts = Array.from({ length: 11 }, (_, i) => ({ x: i, y: 0 }));
    expect(thin(pts, 3).map((p) => p.x)).toEqual([0, 3, 6, 9, 10]);
    const hull = convexHull([...circle({ x: 0, y: 0 }, 2, 12), ...circle({ x: 10, y: 0 }, 2, 12), { x: 5, y: 0 }]);
    expect(hull.some((p) => p.x === 5 && p.y === 0)).toBe(false);
  });

  it('draws regions as one even-odd path', () => {
    expect(regionsPath([square(0, 0, 1), [{ x: 5, y: 5 }]])).toBe('M0 0L1 0L1 1L0 1Z');
  });
});
