import { hash, verify } from '@node-rs/argon2';
import { dictionary } from '@zxcvbn-ts/language-common';

/** argon2id (the library's default) with OWASP's minimum parameters: 19 MiB, 2 passes. */
const OPTIONS = { memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS);
}

let dummyHash: Promise<string> | undefined;

/**
 * Verifies a password. With no stored hash (unknown email, or a user without a
 * password) it still runs one verification, so timing does not reveal which.
 */
export async function verifyPassword(storedHash: string | null | undefined, password: string): Promise<boolean> {
  if (!storedHash) {
    dummyHash ??= hashPassword('timing-equaliser-not-a-password');
    await verify(await dummyHash, password).catch(() => false);
    return false;
  }
  return verify(storedHash, password).catch(() => false);
}

/**
 * The password policy, after NIST SP 800-63B rev. 4 and OWASP ASVS 5: length decides, not
 * composition (no "a digit and a symbol" rules, which make passwords predictable, not strong).
 * At least 8 characters (ASVS 5; NIST asks 15 where the password is the only factor), at most
 * 128 (every character counts, spaces and emoji too), and never one of the most common passwords
 * of the breach corpora (zxcvbn's list, about 49,000, shipped in node_modules: no network).
 */
export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 128;

let common: Set<string> | undefined;

/** True when the password is one of the most common ones (compared case-insensitively). */
export function isCommonPassword(password: string): boolean {
  common ??= new Set(dictionary['passwords-common']);
  return common.has(password.toLowerCase());
}
