import { describe, expect, it, vi } from 'vitest';
import { LiveHub } from './hub';

describe('LiveHub', () => {
  it('delivers to listeners until they stop, and survives one that throws', () => {
    const hub = new LiveHub();
    const a = vi.fn(() => {
      throw new Error('bad listener');
    });
    const b = vi.fn();
    const resync = vi.fn();
    const err = vi.spyOn(console, 'error').mockImplementation(() => {});
    const stopA = hub.listen({ onEvent: a });
    const stopB = hub.listen({ onEvent: b, onResync: resync });
    const ev = { type: 'image.updated', time: 't' };
    hub.emit(ev);
    expect(a).toHaveBeenCalledWith(ev);
    expect(b).toHaveBeenCalledWith(ev);
    hub.resync();
    expect(resync).toHaveBeenCalledTimes(1);
    stopA();
    stopB();
    hub.emit(ev);
    expect(b).toHaveBeenCalledTimes(1);
    err.mockRestore();
  });
});
