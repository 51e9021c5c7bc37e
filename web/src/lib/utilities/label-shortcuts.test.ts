import { describe, expect, it } from 'vitest';
import { classIndexForKey, isTypingTarget, labelerAction, shortcutForClass } from './label-shortcuts.ts';

describe('class keys', () => {
  it('map digits 1–9 to the first nine classes', () => {
    expect(classIndexForKey('1')).toBe(0);
    expect(classIndexForKey('9')).toBe(8);
    expect(classIndexForKey('0')).toBeNull();
    expect(classIndexForKey('12')).toBeNull();
    expect(classIndexForKey('a')).toBeNull();
    expect(shortcutForClass(0)).toBe('1');
    expect(shortcutForClass(8)).toBe('9');
    expect(shortcutForClass(9)).toBeNull();
  });
});

describe('labelerAction', () => {
  const act = (key: string, extra: object = {}, typing = false) => labelerAction({ key, ...extra }, typing);

  it('reads the labelers’ keys', () => {
    expect(act('3')).toEqual({ kind: 'class', index: 2 });
    expect(act('Delete')).toEqual({ kind: 'delete' });
    expect(act('Backspace')).toEqual({ kind: 'delete' });
    expect(act('Escape')).toEqual({ kind: 'cancel' });
    expect(act('n')).toEqual({ kind: 'next' });
    expect(act('ArrowRight')).toEqual({ kind: 'next' });
    expect(act('P')).toEqual({ kind: 'previous' });
    expect(act('ArrowLeft')).toEqual({ kind: 'previous' });
    expect(act('+')).toEqual({ kind: 'zoomIn' });
    expect(act('=')).toEqual({ kind: 'zoomIn' });
    expect(act('-')).toEqual({ kind: 'zoomOut' });
    expect(act('0')).toEqual({ kind: 'zoomReset' });
    expect(act('Enter')).toEqual({ kind: 'accept' });
    expect(act('x')).toBeNull();
  });

  it('leaves the browser’s own shortcuts alone, except select all', () => {
    expect(act('a', { ctrlKey: true })).toEqual({ kind: 'selectAll' });
    expect(act('A', { metaKey: true })).toEqual({ kind: 'selectAll' });
    expect(act('1', { ctrlKey: true })).toBeNull();
    expect(act('n', { altKey: true })).toBeNull();
  });

  it('leaves keys typed into a field to the field, but Escape', () => {
    expect(act('1', {}, true)).toBeNull();
    expect(act('n', {}, true)).toBeNull();
    expect(act('Backspace', {}, true)).toBeNull();
    expect(act('a', { ctrlKey: true }, true)).toBeNull();
    expect(act('Escape', {}, true)).toEqual({ kind: 'cancel' });
  });
});

describe('isTypingTarget', () => {
  it('knows text fields from buttons', () => {
    expect(isTypingTarget({ tagName: 'INPUT', type: 'text' })).toBe(true);
    expect(isTypingTarget({ tagName: 'input' })).toBe(true);
    expect(isTypingTarget({ tagName: 'TEXTAREA' })).toBe(true);
    expect(isTypingTarget({ tagName: 'SELECT' })).toBe(true);
    expect(isTypingTarget({ tagName: 'DIV', isContentEditable: true })).toBe(true);
    expect(isTypingTarget({ tagName: 'INPUT', type: 'checkbox' })).toBe(false);
    expect(isTypingTarget({ tagName: 'BUTTON' })).toBe(false);
    expect(isTypingTarget(null)).toBe(false);
  });
});
