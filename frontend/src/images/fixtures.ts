// Test data shaped like the API's answers (used by the unit tests only).
import type { Image, Project, Session, Tile } from '../lib/api';

export function imageFixture(over: Partial<Image> = {}): Image {
  return {
    id: 1,
    project_id: 3,
    name: 'slide.png',
    file: 'slide.png',
    format: 'png',
    width: 1300,
    height: 900,
    bit_depth: 8,
    channels: 3,
    bytes: 123456,
    sha256: 'ab'.repeat(32),
    tile_size: 512,
    overlap: 0,
    tiles_count: 6,
    state: 'ready',
    error: '',
    pyramid: { tile_size: 256, levels: 4, format: 'jpg' },
    created_at: '2026-11-27T04:00:00Z',
    updated_at: '2026-11-27T04:00:00Z',
    ...over,
  };
}

/** The tiles of a width × height image cut into size-px tiles, row-major. */
export function tilesFixture(width: number, height: number, size: number, imageId = 1, firstId = 100): Tile[] {
  const out: Tile[] = [];
  for (let row = 0; row * size < height; row++) {
    for (let col = 0; col * size < width; col++) {
      const x = col * size;
      const y = row * size;
      out.push({
        id: firstId + out.length,
        image_id: imageId,
        row,
        col,
        x,
        y,
        width: Math.min(size, width - x),
        height: Math.min(size, height - y),
        name: `r${row}_c${col}`,
      });
    }
  }
  return out;
}

/**
 * A student's tile to label: project "Cells 101", image slide.png cut into
 * 512 px tiles (the second one), and one class. The editor and shell tests
 * share it.
 */
export function labellingFixture() {
  const tiles = tilesFixture(1300, 900, 512, 1, 100);
  return {
    project: { id: 1, name: 'Cells 101', description: '', created_at: '2026-11-27T04:00:00Z', updated_at: '2026-11-27T04:00:00Z' } as Project,
    session: { user: { id: 1, name: 'ada', role: 'student', created_at: '2026-11-27T04:00:00Z' }, mode: 'server' } as Session,
    image: imageFixture({ id: 1, project_id: 1, name: 'slide.png' }),
    tiles,
    tile: tiles[1]!,
    schema: {
      colour_schemes: [],
      label_class_groups: [{ group_name: 'Cells', group_classes: [{ name: 'cell', human_name: 'Cell', colours: { default: [255, 0, 0] } as Record<string, [number, number, number]> }] }],
    },
  };
}
