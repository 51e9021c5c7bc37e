import { describe, expect, it } from 'vitest';
import { isPublicPath, linkSecretOf, returnPathOf } from './auth-paths.ts';

describe('isPublicPath', () => {
  it('knows the sign-in and link pages, with or without a trailing slash', () => {
    expect(isPublicPath('/signin')).toBe(true);
    expect(isPublicPath('/invite')).toBe(true);
    expect(isPublicPath('/reset-password/')).toBe(true);
  });
  it('keeps every other page behind the sign-in', () => {
    expect(isPublicPath('/')).toBe(false);
    expect(isPublicPath('/datasets')).toBe(false);
    expect(isPublicPath('/signin/x')).toBe(false);
    expect(isPublicPath('/admin')).toBe(false);
  });
});

describe('returnPathOf', () => {
  it('returns to the page with its query and fragment', () => {
    expect(returnPathOf({ pathname: '/runs/run_1', search: '?tab=log', hash: '#x' })).toBe('/runs/run_1?tab=log#x');
  });
  it('does not return to the root, the sign-in or link pages', () => {
    expect(returnPathOf({ pathname: '/', search: '', hash: '' })).toBeNull();
    expect(returnPathOf({ pathname: '/signin', search: '', hash: '' })).toBeNull();
    expect(returnPathOf({ pathname: '/invite', search: '', hash: '#secret' })).toBeNull();
  });
  it('refuses anything that could lead off this site', () => {
    expect(returnPathOf({ pathname: '//evil.example', search: '', hash: '' })).toBeNull();
    expect(returnPathOf({ pathname: 'datasets', search: '', hash: '' })).toBeNull();
  });
});

describe('linkSecretOf', () => {
  it('reads the secret after "#"', () => {
    expect(linkSecretOf('#abc_DEF-123')).toBe('abc_DEF-123');
    expect(linkSecretOf('abc')).toBe('abc');
  });
  it('undoes percent-encoding a mail program may have added, and trims', () => {
    expect(linkSecretOf('#ab%2Dcd%20')).toBe('ab-cd');
  });
  it('is null without a secret', () => {
    expect(linkSecretOf('')).toBeNull();
    expect(linkSecretOf('#')).toBeNull();
    expect(linkSecretOf('#  ')).toBeNull();
  });
  it('keeps a malformed escape as written', () => {
    expect(linkSecretOf('#ab%zz')).toBe('ab%zz');
  });
});
