import { describe, expect, it } from 'vitest';
import { PASSWORD_MIN_LENGTH, passwordProblem } from './password-rules.ts';

describe('passwordProblem', () => {
  const email = 'marie.curie@example.com';
  it('accepts a long, varied password that matches its confirmation', () => {
    expect(passwordProblem('correct horse battery', 'correct horse battery', email)).toBeNull();
  });
  it('wants at least the minimum length', () => {
    expect(passwordProblem('a1b2c3d4e', 'a1b2c3d4e', email)).toBe('tooShort');
    expect(passwordProblem('a'.repeat(PASSWORD_MIN_LENGTH - 1), '', email)).toBe('tooShort');
    expect(passwordProblem('x'.repeat(1025), '', email)).toBe('tooLong');
  });
  it('refuses too few different characters', () => {
    expect(passwordProblem('abcabcabcabc', 'abcabcabcabc', email)).toBe('tooFewCharacters');
  });
  it('refuses the email or its name part, in any case', () => {
    expect(passwordProblem('my-MARIE.CURIE-pw', 'my-MARIE.CURIE-pw', email)).toBe('containsEmail');
    expect(passwordProblem('Marie.Curie@Example.com', 'Marie.Curie@Example.com', email)).toBe('containsEmail');
  });
  it('allows a short name part inside the password (as the server does)', () => {
    expect(passwordProblem('bob-was-here-2024', 'bob-was-here-2024', 'bob@x.org')).toBeNull();
  });
  it('compares the confirmation last', () => {
    expect(passwordProblem('correct horse battery', 'correct horse batter', email)).toBe('mismatch');
    expect(passwordProblem('short', 'other', email)).toBe('tooShort');
  });
  it('checks without an email (not known yet)', () => {
    expect(passwordProblem('correct horse battery', 'correct horse battery', '')).toBeNull();
  });
});
