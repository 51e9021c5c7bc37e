/**
 * Password hashing with scrypt (memory-hard; built into Node, so no native add-on to build).
 * Parameters follow OWASP's scrypt floor (N=2^17, r=8, p=1: 128 MiB and ~0.3 s per hash) and are
 * stored in each hash, so raising them later only affects new hashes.
 * Format: `scrypt$<log2 N>$<r>$<p>$<salt base64>$<key base64>`.
 */
import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const LOG_N = 17;
const R = 8;
const P = 1;
const KEY_LENGTH = 32;
const SALT_LENGTH = 16;

export const PASSWORD_MIN_LENGTH = 10;
export const PASSWORD_MAX_LENGTH = 256;

function scrypt(password: string, salt: Buffer, logN: number, r: number, p: number): Promise<Buffer> {
  // scrypt needs 128·N·r bytes; Node's default ceiling (32 MiB) is below that for N=2^17.
  const options: ScryptOptions = { N: 2 ** logN, r, p, maxmem: 256 * 2 ** logN * r };
  return new Promise((resolve, reject) =>
    scryptCallback(password.normalize('NFKC'), salt, KEY_LENGTH, options, (error, key) => (error ? reject(error) : resolve(key))),
  );
}

// Every hash holds 128 MiB while it runs: at most two at once, so a burst of sign-ins cannot
// exhaust memory (the rest wait their turn).
const MAX_CONCURRENT = 2;
let running = 0;
const waiting: Array<() => void> = [];

async function limited<T>(work: () => Promise<T>): Promise<T> {
  if (running >= MAX_CONCURRENT) await new Promise<void>((resolve) => waiting.push(resolve));
  running += 1;
  try {
    return await work();
  } finally {
    running -= 1;
    waiting.shift()?.();
  }
}

export function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_LENGTH);
  return limited(async () => {
    const key = await scrypt(password, salt, LOG_N, R, P);
    return `scrypt$${LOG_N}$${R}$${P}$${salt.toString('base64')}$${key.toString('base64')}`;
  });
}

/** True when `password` matches `stored` (a hash from hashPassword); false for any malformed hash. */
export function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return Promise.resolve(false);
  const [logN, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  if (![logN, r, p].every((n) => Number.isInteger(n) && n > 0) || logN > 20) return Promise.resolve(false);
  const salt = Buffer.from(parts[4]!, 'base64');
  const expected = Buffer.from(parts[5]!, 'base64');
  return limited(async () => {
    const key = await scrypt(password, salt, logN, r, p);
    return key.length === expected.length && timingSafeEqual(key, expected);
  });
}

// A fixed hash to verify against when the email is unknown, so a wrong email takes as long as a
// wrong password and sign-in timing does not reveal which accounts exist.
let decoy: Promise<string> | undefined;
export async function verifyAgainstDecoy(password: string): Promise<false> {
  decoy ??= hashPassword(randomBytes(16).toString('hex'));
  await verifyPassword(password, await decoy);
  return false;
}

/** Why a new password is refused, or null when it is acceptable. */
export function passwordProblem(password: string, email: string): string | null {
  if (password.length < PASSWORD_MIN_LENGTH) return `The password must be at least ${PASSWORD_MIN_LENGTH} characters long.`;
  if (password.length > PASSWORD_MAX_LENGTH) return `The password must be at most ${PASSWORD_MAX_LENGTH} characters long.`;
  if (new Set(password).size < 4) return 'The password repeats too few characters; choose a less predictable one.';
  const lower = password.toLowerCase();
  const local = email.toLowerCase().split('@', 1)[0]!;
  if (lower === email.toLowerCase() || (local.length >= 4 && lower.includes(local))) {
    return 'The password must not contain the email address.';
  }
  return null;
}

/** A password for a first start: 5 groups of 5 letters and digits (125 random bits), easy to copy. */
export function generatePassword(): string {
  const alphabet = 'abcdefghijkmnpqrstuvwxyz23456789';
  const bytes = randomBytes(25);
  const chars = [...bytes].map((b) => alphabet[b % alphabet.length]);
  return [0, 5, 10, 15, 20].map((i) => chars.slice(i, i + 5).join('')).join('-');
}
