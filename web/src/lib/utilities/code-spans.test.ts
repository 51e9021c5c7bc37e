import { describe, expect, it } from 'vitest';
import { codeSpans } from './code-spans.ts';

describe('codeSpans', () => {
  it('turns backticked parts into code', () => {
    expect(codeSpans('Run `npm start`, then open `.aip/token`.')).toEqual([
      { text: 'Run ', code: false },
      { text: 'npm start', code: true },
      { text: ', then open ', code: false },
      { text: '.aip/token', code: true },
      { text: '.', code: false },
    ]);
  });

  it('keeps text without backticks whole, and an unpaired backtick as text', () => {
    expect(codeSpans('plain')).toEqual([{ text: 'plain', code: false }]);
    expect(codeSpans('a `b` c ` d')).toEqual([
      { text: 'a ', code: false },
      { text: 'b', code: true },
      { text: ' c ` d', code: false },
    ]);
    expect(codeSpans('')).toEqual([]);
  });
});
