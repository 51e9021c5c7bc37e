/**
 * The server's password rules (api/src/passwords.ts), checked as the user types so the reason is
 * shown in their language before anything is sent. The server checks again and has the last word.
 */
export const PASSWORD_MIN_LENGTH = 10;
export const PASSWORD_MAX_LENGTH = 1024;

export type PasswordProblem = 'tooShort' | 'tooLong' | 'tooFewCharacters' | 'containsEmail' | 'mismatch';

/**
 * What is wrong with a new password and its confirmation for the account `email`, or null. The
 * confirmation is compared only once the password itself is acceptable.
 */
export function passwordProblem(password: string, confirmation: string, email: string): PasswordProblem | null {
  if (password.length < PASSWORD_MIN_LENGTH) return 'tooShort';
  if (password.length > PASSWORD_MAX_LENGTH) return 'tooLong';
  if (new Set(password).size < 4) return 'tooFewCharacters';
  const lower = password.toLowerCase();
  const address = email.trim().toLowerCase();
  const local = address.split('@', 1)[0] ?? '';
  if (address !== '' && (lower === address || (local.length >= 4 && lower.includes(local)))) return 'containsEmail';
  if (password !== confirmation) return 'mismatch';
  return null;
}
