import { describe, expect, it } from 'vitest';
import { pickLocale } from './pick-locale.ts';

describe('pickLocale', () => {
  it('keeps the saved choice', () => {
    expect(pickLocale('en', ['zh-CN'])).toBe('en');
    expect(pickLocale('zh-CN', ['en-US'])).toBe('zh-CN');
  });
  it('defaults to Chinese for any Chinese browser and English otherwise', () => {
    expect(pickLocale(null, ['zh'])).toBe('zh-CN');
    expect(pickLocale(null, ['zh-TW', 'en'])).toBe('zh-CN');
    expect(pickLocale('fr', ['en-GB', 'zh-CN'])).toBe('en');
    expect(pickLocale(undefined, [])).toBe('en');
    expect(pickLocale(null, ['zhx'])).toBe('en');
  });
});
