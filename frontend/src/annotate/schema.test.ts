import { describe, expect, it } from 'vitest';
import { decodeSchema, type Schema } from '../lib/api';
import {
  addClass,
  addGroup,
  classColour,
  deleteClass,
  deleteGroup,
  emptySchema,
  flatClasses,
  hexToRgb,
  moveClass,
  nameProblem,
  nextColour,
  palette,
  parseSchemaText,
  renameGroup,
  rgbToHex,
  schemeChoices,
  setColour,
  slug,
  trainerNameProblem,
  updateClass,
  type Edit,
} from './schema';

function ok(e: Edit): Schema {
  if ('error' in e) throw new Error(e.error);
  return e.schema;
}

const foxglove = decodeSchema({
  colour_schemes: [{ name: 'natural', human_name: 'Natural' }],
  label_class_groups: [
    { group_name: 'Natural', group_classes: [
      { name: 'tree', human_name: 'Trees', colours: { default: [0, 255, 192], natural: [0, 255, 192] } },
      { name: 'flower', human_name: 'Flower', colours: { default: [255, 96, 192], natural: [255, 192, 96] } },
    ] },
    { group_name: 'Artificial', group_classes: [{ name: 'wall', human_name: 'Wall', colours: { default: [0, 128, 255] } }] },
  ],
});

describe('schema editing', () => {
  it('adds classes to an empty schema with a first group and palette colours', () => {
    let s = emptySchema();
    s = ok(addClass(s, 0, 'cell', 'Cell'));
    s = ok(addClass(s, 0, 'nucleus', ''));
    expect(s.label_class_groups).toHaveLength(1);
    expect(flatClasses(s).map((e) => [e.cls.name, e.cls.human_name, e.order])).toEqual([
      ['cell', 'Cell', 0],
      ['nucleus', 'nucleus', 1],
    ]);
    expect(classColour(flatClasses(s)[0]!.cls, 'default')).toEqual(palette[0]);
    expect(classColour(flatClasses(s)[1]!.cls, 'default')).toEqual(palette[1]);
    expect(addClass(s, 0, 'cell', 'Again')).toEqual({ error: 'there is already a class named "cell"' });
    expect(addClass(s, 0, ' x', 'X')).toEqual({ error: 'a class name cannot start or end with a space' });
    expect(addClass(s, 0, '', 'X')).toEqual({ error: 'a class needs a name' });
  });

  it('gives new classes a colour in every scheme and reads colours with fallback', () => {
    const s = ok(addClass(foxglove, 1, 'road', 'Road', [1, 2, 3]));
    const road = flatClasses(s).find((e) => e.cls.name === 'road')!.cls;
    expect(road.colours).toEqual({ default: [1, 2, 3], natural: [1, 2, 3] });
    const wall = flatClasses(s).find((e) => e.cls.name === 'wall')!.cls;
    expect(classColour(wall, 'natural')).toEqual([0, 128, 255]);
    expect(classColour(undefined, 'default')).toEqual([136, 136, 136]);
    expect(schemeChoices(s).map((c) => c.name)).toEqual(['default', 'natural']);
    expect(nextColour(foxglove)).toEqual(palette[0]);
  });

  it('renames, recolours and deletes', () => {
    let s = ok(updateClass(foxglove, 0, 1, { name: 'blossom', human_name: 'Blossom' }));
    expect(flatClasses(s)[1]!.cls).toMatchObject({ name: 'blossom', human_name: 'Blossom' });
    expect(updateClass(s, 0, 1, { name: 'tree' })).toEqual({ error: 'there is already a class named "tree"' });
    expect(nameProblem(s, 'blossom', { group: 0, index: 1 })).toBeNull();
    s = ok(setColour(s, 0, 1, 'natural', [9, 9, 9]));
    expect(flatClasses(s)[1]!.cls.colours).toEqual({ default: [255, 96, 192], natural: [9, 9, 9] });
    s = ok(deleteClass(s, 0, 0));
    expect(flatClasses(s).map((e) => e.cls.name)).toEqual(['blossom', 'wall']);
    // The original is untouched.
    expect(flatClasses(foxglove).map((e) => e.cls.name)).toEqual(['tree', 'flower', 'wall']);
  });

  it('reorders within and across groups', () => {
    let s = ok(moveClass(foxglove, 0, 1, -1));
    expect(flatClasses(s).map((e) => e.cls.name)).toEqual(['flower', 'tree', 'wall']);
    s = ok(moveClass(s, 0, 1, 1)); // past the end of its group: into the next
    expect(s.label_class_groups.map((g) => g.group_classes.map((c) => c.name))).toEqual([['flower'], ['tree', 'wall']]);
    s = ok(moveClass(s, 1, 0, -1));
    expect(s.label_class_groups.map((g) => g.group_classes.map((c) => c.name))).toEqual([['flower', 'tree'], ['wall']]);
    expect(ok(moveClass(s, 0, 0, -1))).toBe(s);
  });

  it('manages groups', () => {
    let s = ok(addGroup(foxglove, 'Other'));
    expect(addGroup(s, 'Other')).toEqual({ error: 'there is already a group named "Other"' });
    s = ok(renameGroup(s, 2, 'Misc'));
    expect(s.label_class_groups[2]!.group_name).toBe('Misc');
    expect(deleteGroup(s, 0)).toEqual({ error: 'move or delete the group’s classes first' });
    s = ok(deleteGroup(s, 2));
    expect(s.label_class_groups).toHaveLength(2);
  });

  it('refuses the names a trainer cannot report, as the server does', () => {
    // The human name "Background" is stored as "background": mask value 0's name.
    expect(addClass(foxglove, 0, slug('Background'), 'Background')).toEqual({
      error: 'class "background" has the name trainers give the unlabelled background',
    });
    expect(nameProblem(foxglove, 'BackGround')).toBe('class "BackGround" has the name trainers give the unlabelled background');
    expect(nameProblem(foxglove, 'background_cells')).toBeNull();
    expect(nameProblem(foxglove, 'cell[1]')).toBe('class "cell[1]" contains a bracket, which would end its line in a training log');
    expect(nameProblem(foxglove, 'cell]')).toMatch(/contains a bracket/);
    expect(nameProblem(foxglove, 'a\tb')).toBe('class "a\\tb" contains a control character (a line break or tab)');
    expect(nameProblem(foxglove, 'a\u0085b')).toMatch(/control character/);
    expect(updateClass(foxglove, 0, 0, { name: 'back\nground' })).toEqual({
      error: 'class "back\\nground" contains a control character (a line break or tab)',
    });
    expect(trainerNameProblem('x'.repeat(201))).toMatch(/is longer than 200 characters$/);
    expect(trainerNameProblem('é'.repeat(200))).toBeNull();
    expect(nameProblem(foxglove, 'x'.repeat(65))).toBe('a class name has at most 64 characters');
    expect(nameProblem(foxglove, 'Zellkern (groß)')).toBeNull();
  });

  it('converts colours and names', () => {
    expect(rgbToHex([255, 96, 0])).toBe('#ff6000');
    expect(hexToRgb('#FF6000')).toEqual([255, 96, 0]);
    expect(hexToRgb('red')).toBeNull();
    expect(slug('  Blood vessel (large) ')).toBe('blood_vessel_large');
  });

  it('reads schema files for import', () => {
    expect(parseSchemaText('\uFEFF{"label_class_groups": []}')).toEqual({ label_class_groups: [] });
    expect(parseSchemaText('[{"name": "a"}]')).toEqual([{ name: 'a' }]);
    expect(() => parseSchemaText('{"labels": []}')).toThrow(/not a django-labeller schema/);
    expect(() => parseSchemaText('nope')).toThrow(/not JSON/);
  });
});
