import { authLimiter } from '@/server/auth/limiter';
import { issueTokenPair, verifyToken, type TokenPair } from '@/server/auth/tokens';
import { AppError, badRequest } from '@/server/errors';
import { UserService } from '@/server/services/users';
import type { AuthUser } from '@/server/auth/roles';

const MAX_USERNAME_BYTES = 255;
const MAX_PASSWORD_BYTES = 1024;
const MAX_REFRESH_TOKEN_BYTES = 16 * 1024;

const invalidCredentials = () => new AppError('unauthorized', 'invalid credentials', 'Invalid credentials');
const fieldTooLong = () => new AppError('bad_request', 'invalid_request', 'Authentication field is too long');

function assertMaxBytes(value: string, max: number): void {
  if (Buffer.byteLength(value, 'utf8') > max) throw fieldTooLong();
}

/**
 * Login and refresh, throttled (api-contract §6.3). The REST routes and the console's sign-in both come here,
 * so throttling applies to both.
 */
export class AuthService {
  constructor(
    private readonly users = new UserService(),
    private readonly limiter = authLimiter(),
  ) {}

  async verifyCredentials(input: { username: string; password: string; clientIp: string }): Promise<AuthUser> {
    assertMaxBytes(input.username, MAX_USERNAME_BYTES);
    assertMaxBytes(input.password, MAX_PASSWORD_BYTES);
    await this.limiter.chargeRequest(input.clientIp);
    if (!input.username) throw badRequest('username is required', 'Username is required');
    if (!input.password) throw badRequest('password is required', 'Password is required');
    await this.limiter.assertLoginAllowed(input.clientIp, input.username);
    const user = await this.users.authenticate(input.username, input.password);
    if (!user) {
      await this.limiter.chargeFailedLogin(input.clientIp, input.username);
      throw invalidCredentials();
    }
    return user;
  }

  async login(input: { username: string; password: string; clientIp: string }): Promise<TokenPair> {
    return issueTokenPair(await this.verifyCredentials(input));
  }

  /** A refresh token yields a new pair with the user's current role; a deleted user cannot refresh. */
  async refresh(input: { refreshToken: string; clientIp: string }): Promise<TokenPair> {
    assertMaxBytes(input.refreshToken, MAX_REFRESH_TOKEN_BYTES);
    await this.limiter.chargeRequest(input.clientIp);
    if (!input.refreshToken) throw badRequest('refresh token is required', 'Refresh token is required');
    const claims = await verifyToken(input.refreshToken, 'refresh');
    const user = claims && (await this.users.findForToken(claims.username));
    if (!user) throw new AppError('unauthorized', 'invalid refresh token', 'Invalid refresh token');
    return issueTokenPair(user);
  }
}
