import bcrypt from 'bcryptjs';
import { getConfig } from '@/server/config';
import { problem } from '@/server/problems';

/** A valid bcrypt hash of a password nobody has: unknown users still cost one comparison (timing equalisation). */
export const DUMMY_HASH = '$2b$10$iP7GnP3XQxX6iiUEFRDAoOWULyPWcqYYRJR6nY1BU11xWxnAtXS0K';

/** bcrypt only reads 72 bytes; Go's bcrypt refuses longer passwords and so do we, rather than truncate silently. */
const BCRYPT_MAX_BYTES = 72;

export function assertStorablePassword(password: string): void {
  if (Buffer.byteLength(password, 'utf8') > BCRYPT_MAX_BYTES) {
    throw problem('password.too_long');
  }
}

export async function hashPassword(password: string): Promise<string> {
  assertStorablePassword(password);
  return bcrypt.hash(password, getConfig().bcryptCost);
}

export async function verifyPassword(password: string, hash: string | undefined): Promise<boolean> {
  const matches = await bcrypt.compare(password, hash ?? DUMMY_HASH);
  return hash !== undefined && matches;
}
