import { describe, expect, it } from 'vitest';
import { checkProjectName } from './validate';

describe('checkProjectName', () => {
  it('trims and accepts ordinary names', () => {
    expect(checkProjectName('  Cells 101 ')).toEqual({ ok: true, name: 'Cells 101' });
    expect(checkProjectName('Zellkerne – Übung 2 🔬')).toEqual({ ok: true, name: 'Zellkerne – Übung 2 🔬' });
  });

  it('requires a name', () => {
    expect(checkProjectName('')).toEqual({ ok: false, message: 'project name is required' });
    expect(checkProjectName('   ')).toEqual({ ok: false, message: 'project name is required' });
  });

  it('counts characters, not UTF-16 units, against the limit', () => {
    expect(checkProjectName('a'.repeat(100)).ok).toBe(true);
    expect(checkProjectName('🔬'.repeat(100)).ok).toBe(true);
    expect(checkProjectName('a'.repeat(101))).toEqual({
      ok: false,
      message: 'project name is longer than 100 characters',
    });
  });

  it('refuses control characters inside the name', () => {
    for (const bad of ['a\nb', 'a\tb', 'a\rb', 'a\x00b']) {
      expect(checkProjectName(bad)).toEqual({ ok: false, message: 'project name must not contain control characters' });
    }
  });
});
