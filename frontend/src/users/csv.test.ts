import { describe, expect, it } from 'vitest';
import type { CreatedUser } from '../lib/api';
import { parseClassList, passwordsCsv } from './csv';

const all = ['admin', 'professor', 'assistant', 'student'] as const;

describe('parseClassList', () => {
  it('reads name,role lines with a header, blanks, comments, tabs and a default role', () => {
    const got = parseClassList('name,role\r\nada,student\n\n# TAs\ngrace\tAssistant\nalan\n  bob ; student  \n', all);
    expect(got.problems).toEqual([]);
    expect(got.rows).toEqual([
      { line: 2, name: 'ada', role: 'student' },
      { line: 5, name: 'grace', role: 'assistant' },
      { line: 6, name: 'alan', role: 'student' },
      { line: 7, name: 'bob', role: 'student' },
    ]);
  });

  it('names the line of each problem', () => {
    const got = parseClassList('ada,student\nada,student\ntwo words,student\ncy,dean\ndi,student,extra\neve,professor', ['assistant', 'student']);
    expect(got.rows.map((r) => r.name)).toEqual(['ada']);
    expect(got.problems).toEqual([
      'line 2: "ada" is on line 1 already',
      'line 3: a user name must be 1 to 64 characters without spaces',
      'line 4: unknown role "dean": use assistant, student',
      'line 5: expected "name,role", found 3 columns',
      'line 6: you may not add professor accounts (only assistant, student)',
    ]);
  });
});

describe('passwordsCsv', () => {
  it('writes one line per account, quoting where CSV needs it', () => {
    const u = (name: string, password: string): CreatedUser => ({
      user: { id: 1, name, role: 'student', created_at: '2026-01-01T00:00:00Z' },
      password,
    });
    expect(passwordsCsv([u('ada', 'abcDEF234'), u('o"k,x', 'p')])).toBe('name,role,password\r\nada,student,abcDEF234\r\n"o""k,x",student,p\r\n');
  });
  it('never hands a spreadsheet a formula, nor a separator of another locale', () => {
    const u = (name: string): CreatedUser => ({ user: { id: 1, name, role: 'student', created_at: '2026-01-01T00:00:00Z' }, password: 'p' });
    expect(passwordsCsv([u('=HYPERLINK("x")'), u('@SUM(1)'), u('a;b')])).toBe(
      'name,role,password\r\n"\'=HYPERLINK(""x"")",student,p\r\n\'@SUM(1),student,p\r\n"a;b",student,p\r\n',
    );
  });
});
