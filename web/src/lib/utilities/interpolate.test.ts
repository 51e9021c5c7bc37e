import { describe, expect, it } from 'vitest';
import { interpolate } from './interpolate.ts';

describe('interpolate', () => {
  it('fills every placeholder, numbers included', () => {
    expect(interpolate('{name}: {sent} of {total}', { name: 'a.zip', sent: 1, total: 2 })).toBe('a.zip: 1 of 2');
  });
  it('leaves unknown placeholders visible rather than printing "undefined"', () => {
    expect(interpolate('hello {who}')).toBe('hello {who}');
  });
});
