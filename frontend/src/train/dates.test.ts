import { describe, expect, it } from 'vitest';
import { shortDateTime } from './dates';

describe('shortDateTime', () => {
  it('fits a table cell: day, month and time, the year only when not this one', () => {
    const noon = new Date(2026, 10, 27, 12, 5).toISOString();
    expect(shortDateTime(noon, new Date(2026, 11, 1))).toBe('27 Nov 12:05');
    expect(shortDateTime(noon, new Date(2027, 0, 1))).toBe('27 Nov 2026 12:05');
    expect(shortDateTime('nonsense')).toBe('nonsense');
  });
});
