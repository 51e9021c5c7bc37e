import { describe, expect, it } from 'vitest';
import { temporalUiUrl } from './temporal-ui-url.ts';

describe('temporalUiUrl', () => {
  it('keeps the host and scheme, with port 8233', () => {
    expect(temporalUiUrl({ protocol: 'http:', hostname: '10.0.0.5' })).toBe('http://10.0.0.5:8233/');
    expect(temporalUiUrl({ protocol: 'https:', hostname: 'aip.example.com' })).toBe('https://aip.example.com:8233/');
  });
  it('brackets an IPv6 host', () => {
    expect(temporalUiUrl({ protocol: 'http:', hostname: '::1' })).toBe('http://[::1]:8233/');
  });
});
