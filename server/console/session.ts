import crypto from 'node:crypto';
import type { AuthOptions, LoggerInstance } from 'next-auth';
import CredentialsProvider from 'next-auth/providers/credentials';
import { getToken, type JWT } from 'next-auth/jwt';
import { getJwtSecret } from '@/server/config';
import { AppError } from '@/server/errors';
import { clientIp } from '@/server/auth/limiter';
import { toRole, type AuthUser } from '@/server/auth/roles';
import { PEER_ADDRESS_HEADER } from '@/server/http/request-info';
import { AuthService } from '@/server/services/auth';
import { auditedSignIn } from '@/server/services/audit';
import { UserService } from '@/server/services/users';
import { logger } from '@/server/logger';

/**
 * The console's sign-in (next-auth v4, credentials against the users table, JWT sessions in HttpOnly,
 * SameSite=Lax cookies). Mounted at app/api/console-auth so the REST /api/auth/login|refresh stay free.
 */

/** Sliding: every session read re-issues the cookie, so this is the idle limit. */
const CONSOLE_SESSION_SECONDS = 8 * 60 * 60;

const SESSION_COOKIE = 'next-auth.session-token';
/** Browsers only store `__Secure-` cookies that came over HTTPS, so reading that name first is safe. */
const SECURE_SESSION_COOKIE = `__Secure-${SESSION_COOKIE}`;

interface CookieJar {
  getAll(): Array<{ name: string; value: string }>;
}

/** A key of its own for the session cookie, derived from the server's JWT key: nothing to configure. */
export function consoleSessionSecret(): string {
  return crypto.createHmac('sha256', getJwtSecret()).update('synkronus console session').digest('base64url');
}

/** Text next-auth hands to the sign-in form (it travels as the `error` query parameter). */
function signInRefusal(err: AppError): Error {
  if (err.options.problem === 'auth.rate_limited') {
    const seconds = err.options.headers?.['Retry-After'] ?? '60';
    return new Error(`Too many sign-in attempts. Try again in ${seconds} seconds.`);
  }
  return new Error(err.userMessage);
}

/** next-auth's own log lines go through the server logger; its "NEXTAUTH_URL is unset" hint does not apply here. */
const authLogger: LoggerInstance = {
  error(code, metadata) {
    logger.error('console sign-in', { code, error: String((metadata as { message?: string })?.message ?? metadata) });
  },
  warn(code) {
    if (code !== 'NEXTAUTH_URL') logger.warn('console sign-in', { code });
  },
  debug() {},
};

/**
 * The options for one request. `secure` (the request came over HTTPS) picks Secure cookies, which a plain-HTTP
 * deployment on a field LAN could not keep.
 */
export function consoleAuthOptions(secure: boolean): AuthOptions {
  return {
    secret: consoleSessionSecret(),
    useSecureCookies: secure,
    session: { strategy: 'jwt', maxAge: CONSOLE_SESSION_SECONDS },
    jwt: { maxAge: CONSOLE_SESSION_SECONDS },
    pages: { signIn: '/login', error: '/login' },
    logger: authLogger,
    providers: [
      CredentialsProvider({
        name: 'Synkronus',
        credentials: {
          username: { label: 'Username', type: 'text' },
          password: { label: 'Password', type: 'password' },
        },
        async authorize(credentials, request) {
          const headers = (request.headers ?? {}) as Record<string, string | undefined>;
          const ip = clientIp(headers[PEER_ADDRESS_HEADER] ?? '127.0.0.1', headers['x-real-ip'] ?? null);
          try {
            const username = credentials?.username ?? '';
            const user = await auditedSignIn({ channel: 'console', username, ip }, () =>
              new AuthService().verifyCredentials({ username, password: credentials?.password ?? '', clientIp: ip }),
            );
            const session = await new UserService().consoleSession(user.username);
            return session ? { id: user.id, name: user.username, sessionVersion: session.sessionVersion } : null;
          } catch (err) {
            if (err instanceof AppError && err.kind === 'unauthorized') return null;
            if (err instanceof AppError) throw signInRefusal(err);
            // The message reaches the browser: never a database or driver error text.
            logger.error('console sign-in failed', { error: (err as Error).stack ?? String(err) });
            throw new Error('Sign-in is unavailable right now. Try again in a moment.');
          }
        },
      }),
    ],
    events: {
      async signOut({ token }) {
        const claims = sessionClaims(token);
        if (claims) await new UserService().endConsoleSessions(claims.userId, claims.sessionVersion);
      },
    },
    callbacks: {
      // The cookie names the account and the session version; the role is read from the database on every request.
      jwt({ token, user }) {
        if (user) {
          token.username = user.name;
          token.userId = user.id;
          token.sessionVersion = (user as { sessionVersion?: number }).sessionVersion;
        }
        return token;
      },
      session({ session, token }) {
        session.user = { name: String(token.username ?? '') };
        return session;
      },
    },
  };
}

interface SessionClaims {
  username: string;
  userId: string;
  sessionVersion: number;
}

/** What a session cookie must carry; cookies from before session versions carry less and count as signed out. */
function sessionClaims(token: JWT | null | undefined): SessionClaims | undefined {
  if (!token) return undefined;
  const { username, userId, sessionVersion } = token;
  if (typeof username !== 'string' || !username || typeof userId !== 'string' || typeof sessionVersion !== 'number') {
    return undefined;
  }
  return { username, userId, sessionVersion };
}

/**
 * The signed-in console user, or undefined. The account is read again from the database on every request: a
 * deleted (or deleted and re-created) user is out at once, a changed role applies on the next request, and a
 * cookie from before a sign-out, password change or reset or role change no longer counts (its session version
 * is behind the user's).
 */
export async function consoleSessionUser(cookies: CookieJar): Promise<AuthUser | undefined> {
  const secret = consoleSessionSecret();
  for (const cookieName of [SECURE_SESSION_COOKIE, SESSION_COOKIE]) {
    const req = { cookies, headers: {} } as unknown as Parameters<typeof getToken>[0]['req'];
    const claims = sessionClaims(
      await getToken({ req, secret, cookieName, secureCookie: cookieName !== SESSION_COOKIE }),
    );
    if (claims) {
      const current = await new UserService().consoleSession(claims.username);
      const valid = current?.user.id === claims.userId && current.sessionVersion === claims.sessionVersion;
      return valid ? { ...current.user, role: toRole(current.user.role) } : undefined;
    }
  }
  return undefined;
}
