import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import { LRUCache } from 'lru-cache';
import { getConfig, getJwtSecret } from '@/server/config';
import { toRole, type AuthUser, type Role } from '@/server/auth/roles';

export const ISSUER = 'synkronus';
export const ACCESS_TOKEN_SECONDS = 24 * 60 * 60;
export const REFRESH_TOKEN_SECONDS = 7 * 24 * 60 * 60;

export type TokenUse = 'access' | 'refresh';

export interface TokenPair {
  token: string;
  refreshToken: string;
  /** Unix seconds, an integer (the CLI reads it into an int64). */
  expiresAt: number;
}

interface UserClaims {
  id: string;
  username: string;
  role: Role;
}

async function sign(user: UserClaims, use: TokenUse, lifetimeSeconds: number, now: number): Promise<string> {
  return new SignJWT({ username: user.username, role: user.role, token_use: use })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(ISSUER)
    .setSubject(user.id)
    .setIssuedAt(now)
    .setExpirationTime(now + lifetimeSeconds)
    .sign(getJwtSecret());
}

export async function issueTokenPair(user: UserClaims): Promise<TokenPair> {
  const now = Math.floor(Date.now() / 1000);
  const [token, refreshToken] = await Promise.all([
    sign(user, 'access', ACCESS_TOKEN_SECONDS, now),
    sign(user, 'refresh', REFRESH_TOKEN_SECONDS, now),
  ]);
  return { token, refreshToken, expiresAt: now + ACCESS_TOKEN_SECONDS };
}

/**
 * Tokens already verified, until they expire: a device sends the same token with every request, and checking the
 * signature costs more than the rest of a small request. One cache per secret, so a new secret trusts nothing cached.
 */
const VERIFIED_TOKENS_KEPT = 10_000;
const verifiedBySecret = new WeakMap<Uint8Array, LRUCache<string, AuthUser>>();

function verifiedTokens(secret: Uint8Array): LRUCache<string, AuthUser> {
  let cache = verifiedBySecret.get(secret);
  if (!cache) {
    cache = new LRUCache({ max: VERIFIED_TOKENS_KEPT });
    verifiedBySecret.set(secret, cache);
  }
  return cache;
}

/**
 * Verifies a token for one use. Only HS256 is accepted and `exp` is required. Typed tokens must carry the
 * right `token_use` and `iss`; untyped (legacy) tokens pass for either use while legacy acceptance is on.
 * Returns undefined for every kind of invalid token.
 */
export async function verifyToken(token: string, use: TokenUse): Promise<AuthUser | undefined> {
  const secret = getJwtSecret();
  const cache = verifiedTokens(secret);
  const key = `${use} ${token}`;
  const cached = cache.get(key);
  if (cached) return cached;
  const verified = await checkToken(token, use, secret);
  if (!verified) return undefined;
  const lifetimeMs = verified.expiresAt * 1000 - Date.now();
  if (lifetimeMs > 0) cache.set(key, verified.user, { ttl: lifetimeMs });
  return verified.user;
}

async function checkToken(
  token: string,
  use: TokenUse,
  secret: Uint8Array,
): Promise<{ user: AuthUser; expiresAt: number } | undefined> {
  try {
    const { payload } = await jwtVerify(token, secret, { algorithms: ['HS256'], requiredClaims: ['exp'] });
    const tokenUse = payload.token_use;
    if (tokenUse === undefined) {
      if (!getConfig().acceptLegacyUntypedTokens) return undefined;
    } else if (tokenUse !== use || payload.iss !== ISSUER) {
      return undefined;
    }
    if (typeof payload.username !== 'string' || payload.username === '') return undefined;
    const user = Object.freeze({
      id: typeof payload.sub === 'string' ? payload.sub : '',
      username: payload.username,
      role: toRole(payload.role),
    });
    return { user, expiresAt: payload.exp! };
  } catch (err) {
    if (err instanceof joseErrors.JOSEError || err instanceof TypeError) return undefined;
    throw err;
  }
}

/** `Authorization: Bearer <token>`, exact prefix as upstream. */
export function bearerToken(header: string | null): string | undefined {
  if (!header || !header.startsWith('Bearer ')) return undefined;
  const token = header.slice('Bearer '.length);
  return token === '' ? undefined : token;
}
