import { describe, expect, it } from 'vitest';
import { splitOf, splitText } from './split';

describe('the split said before training', () => {
  it('names the images that train and those that check', () => {
    const p = splitOf({ trainer: 'cpu', split: { split_by: 'image', train_tiles: 5, val_tiles: 3, train_images: ['field1.png'], val_images: ['field2.png'] } });
    expect(splitText(p!)).toBe('5 tiles train the model (field1.png); 3 tiles check it (field2.png), whole images apart so the check is fair.');
  });
  it('says when one image is split by rows, and reads no split as none', () => {
    const p = splitOf({ split: { split_by: 'rows', train_tiles: 3, val_tiles: 1, train_images: ['cell.png'], val_images: ['cell.png'] } });
    expect(splitText(p!)).toBe('3 tiles of cell.png train the model; its last tile checks it (one image: split by rows).');
    expect(splitOf({ trainer: 'cpu' })).toBeNull();
    expect(splitOf({ split: { split_by: 'x' } })).toBeNull();
  });
});
