import { describe, expect, it } from 'vitest';
import { NAME_MAX, clipName, nameProblem, ownerLabel, parseScope, replaceById, scopeSearch } from './sharing.ts';

describe('parseScope', () => {
  const offered = ['all', 'mine', 'public'] as const;
  it('takes a scope the page offers', () => {
    expect(parseScope('public', offered, 'all')).toBe('public');
    expect(parseScope('mine', offered, 'all')).toBe('mine');
  });
  it('falls back to the page’s default for anything else', () => {
    expect(parseScope(null, offered, 'all')).toBe('all');
    expect(parseScope('', offered, 'all')).toBe('all');
    expect(parseScope('everything', offered, 'mine')).toBe('mine');
    expect(parseScope('all', ['mine', 'public'] as const, 'mine')).toBe('mine');
  });
});

describe('scopeSearch', () => {
  it('sets the scope, keeping other parameters', () => {
    expect(scopeSearch(new URL('http://h/datasets'), 'public', 'all')).toBe('/datasets?scope=public');
    expect(scopeSearch(new URL('http://h/models?task=detection'), 'mine', 'all')).toBe('/models?task=detection&scope=mine');
  });
  it('leaves the default out of the URL', () => {
    expect(scopeSearch(new URL('http://h/datasets?scope=public'), 'all', 'all')).toBe('/datasets');
    expect(scopeSearch(new URL('http://h/models?scope=public&task=x'), 'all', 'all')).toBe('/models?task=x');
  });
});

describe('ownerLabel', () => {
  it('says “you” for the caller’s own, else the owner’s name (or id when nameless)', () => {
    expect(ownerLabel({ owned: true, owner: { id: 'usr_1', name: 'admin' } }, 'You')).toBe('You');
    expect(ownerLabel({ owned: false, owner: { id: 'usr_2', name: 'Lin' } }, 'You')).toBe('Lin');
    expect(ownerLabel({ owned: false, owner: { id: 'usr_3', name: ' ' } }, 'You')).toBe('usr_3');
  });
});

describe('nameProblem', () => {
  it('refuses empty and too long names', () => {
    expect(nameProblem('')).toBe('empty');
    expect(nameProblem('   ')).toBe('empty');
    expect(nameProblem('x'.repeat(NAME_MAX + 1))).toBe('tooLong');
  });
  it('accepts the rest, counting characters rather than UTF-16 units', () => {
    expect(nameProblem('shapes')).toBeNull();
    expect(nameProblem('形'.repeat(NAME_MAX))).toBeNull();
    expect(nameProblem('😀'.repeat(NAME_MAX))).toBeNull();
  });
});

describe('clipName', () => {
  it('keeps short names (trimmed) and cuts long ones to the limit', () => {
    expect(clipName('  shapes (copy) ')).toBe('shapes (copy)');
    const clipped = clipName('😀'.repeat(NAME_MAX + 5));
    expect([...clipped]).toHaveLength(NAME_MAX);
    expect(clipped.endsWith('…')).toBe(true);
    expect(nameProblem(clipped)).toBeNull();
  });
});

describe('replaceById', () => {
  it('merges the changed fields into the matching item only', () => {
    const list = [
      { id: 'a', name: 'A', visibility: 'private', graph: 1 },
      { id: 'b', name: 'B', visibility: 'private', graph: 2 },
    ];
    expect(replaceById(list, { id: 'b', visibility: 'public' })).toEqual([
      list[0],
      { id: 'b', name: 'B', visibility: 'public', graph: 2 },
    ]);
    expect(replaceById(list, { id: 'z', name: 'Z' })).toEqual(list);
  });
});
