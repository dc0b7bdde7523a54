import { authLimiter } from '@/server/auth/limiter';
import { issueTokenPair, verifyToken, type TokenPair } from '@/server/auth/tokens';
import { problem } from '@/server/problems';
import { UserService } from '@/server/services/users';
import type { AuthUser } from '@/server/auth/roles';

const MAX_USERNAME_BYTES = 255;
const MAX_PASSWORD_BYTES = 1024;
const MAX_REFRESH_TOKEN_BYTES = 16 * 1024;

function assertMaxBytes(value: string, max: number): void {
  if (Buffer.byteLength(value, 'utf8') > max) throw problem('auth.field_too_long');
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
    if (!input.username) throw problem('auth.username_required');
    if (!input.password) throw problem('auth.password_required');
    await this.limiter.assertLoginAllowed(input.clientIp, input.username);
    const user = await this.users.authenticate(input.username, input.password);
    if (!user) {
      await this.limiter.chargeFailedLogin(input.clientIp, input.username);
      throw problem('auth.invalid_credentials');
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
    if (!input.refreshToken) throw problem('auth.refresh_token_required');
    const claims = await verifyToken(input.refreshToken, 'refresh');
    const user = claims && (await this.users.findForToken(claims.username));
    if (!user) throw problem('auth.invalid_refresh_token');
    return issueTokenPair(user);
  }
}
