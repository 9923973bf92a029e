import { describe, expect, it } from 'vitest';
import { Backups } from './backup';
import { emptyFile } from './labels';

/** A Storage holding at most `quota` characters, like a full localStorage. */
function memoryStorage(quota = Infinity): Storage {
  const m = new Map<string, string>();
  return {
    get length() {
      return m.size;
    },
    clear: () => m.clear(),
    getItem: (k) => m.get(k) ?? null,
    key: (i) => [...m.keys()][i] ?? null,
    removeItem: (k) => void m.delete(k),
    setItem: (k, v) => {
      if (v.length > quota) throw new DOMException('quota exceeded', 'QuotaExceededError');
      m.set(k, v);
    },
  };
}

const at = () => new Date('2026-11-27T10:15:00Z');
const file = { ...emptyFile('t'), completed_tasks: ['finished'] };

describe('Backups', () => {
  it('keeps an unsaved edit per person and tile', () => {
    const s = memoryStorage();
    const ada = new Backups(s, '1', at);
    ada.write(7, file, 3);
    expect(ada.read(7)).toEqual({ file, baseRevision: 3, savedAt: '2026-11-27T10:15:00.000Z', owner: ada.owner });
    expect(ada.read(8)).toBeNull();
    expect(new Backups(s, '2').read(7)).toBeNull();
  });

  it('lets a page clear only its own copy', () => {
    const s = memoryStorage();
    const old = new Backups(s, '1');
    const reopened = new Backups(s, '1');
    old.write(7, file, 3);
    reopened.write(7, file, 3);
    old.clear(7); // a late save of the closed page lands
    expect(reopened.read(7)).not.toBeNull();
    reopened.clear(7);
    expect(reopened.read(7)).toBeNull();
    old.write(7, file, 3);
    reopened.drop(7);
    expect(reopened.read(7)).toBeNull();
  });

  it('offers a copy back only on the revision it went on', () => {
    const s = memoryStorage();
    const b = new Backups(s, '1');
    b.write(7, file, 3);
    expect(b.offer(7, 3, emptyFile('t'))?.file).toEqual(file);
    // Its save landed after all (revision 4), or someone else saved: dropped.
    expect(b.offer(7, 4, emptyFile('t'))).toBeNull();
    expect(b.read(7)).toBeNull();
    // Nothing to restore when the loaded file already holds it.
    b.write(7, file, 3);
    expect(b.offer(7, 3, file)).toBeNull();
    expect(b.read(7)).toBeNull();
  });

  it('drops the older copy when a newer one does not fit', () => {
    const s = memoryStorage(300);
    const b = new Backups(s, '1');
    b.write(7, file, 3);
    expect(b.read(7)).not.toBeNull();
    const big = { ...file, labels: [{ label_type: 'point', note: 'x'.repeat(400) }] };
    expect(() => b.write(7, big, 3)).not.toThrow();
    expect(b.read(7)).toBeNull();
  });

  it('ignores what is not a backup, and works without storage', () => {
    const s = memoryStorage();
    s.setItem('tessera.unsaved.1.7', '{"file":{}}');
    s.setItem('tessera.unsaved.1.8', 'not json');
    const b = new Backups(s, '1');
    expect(b.read(7)).toBeNull();
    expect(b.read(8)).toBeNull();
    const none = new Backups(null, '1');
    none.write(7, file, 3);
    expect(none.read(7)).toBeNull();
  });
});
