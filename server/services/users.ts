import { UserRepository, type UserWithPresence } from '@/server/db/repositories/users';
import { hashPassword, verifyPassword, assertStorablePassword } from '@/server/auth/passwords';
import { isRole, type AuthUser, type Role } from '@/server/auth/roles';
import { problem } from '@/server/problems';
import { logger } from '@/server/logger';
import type { CreateUserInput, UserListItem, UserResponse } from '@/server/wire/users';

/** The users.username column is varchar(255); names are shown and typed, so no control characters. */
const MAX_USERNAME_LENGTH = 255;
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

function assertValidUsername(username: string): void {
  if (username.length > MAX_USERNAME_LENGTH) {
    throw problem('user.username_too_long', { max: MAX_USERNAME_LENGTH });
  }
  if (CONTROL_CHARACTER.test(username)) throw problem('user.username_invalid');
}

export class UserService {
  constructor(private readonly users = new UserRepository()) {}

  /** Checks credentials; unknown users still cost one bcrypt comparison. */
  async authenticate(username: string, password: string): Promise<AuthUser | undefined> {
    const user = await this.users.findByUsername(username);
    const ok = await verifyPassword(password, user?.passwordHash);
    return ok && user ? { id: user.id, username: user.username, role: user.role as Role } : undefined;
  }

  async findForToken(username: string): Promise<AuthUser | undefined> {
    const user = await this.users.findByUsername(username);
    return user ? { id: user.id, username: user.username, role: user.role as Role } : undefined;
  }

  /** The account behind a console session and the session version it is at (see endConsoleSessions). */
  async consoleSession(username: string): Promise<{ user: AuthUser; sessionVersion: number } | undefined> {
    const user = await this.users.findByUsername(username);
    if (!user) return undefined;
    return {
      user: { id: user.id, username: user.username, role: user.role as Role },
      sessionVersion: user.sessionVersion,
    };
  }

  /**
   * Sign-out: every console session of the user opened under `sessionVersion` ends. A password change or reset
   * and a role change end them too (the repository bumps the version with those writes).
   */
  async endConsoleSessions(userId: string, sessionVersion: number): Promise<void> {
    await this.users.endSessions(userId, sessionVersion);
  }

  async create(input: CreateUserInput): Promise<UserResponse> {
    const username = input.username.trim();
    if (!username || !input.password || !input.role) throw problem('user.missing_fields');
    if (!isRole(input.role)) {
      throw problem('user.invalid_role', { role: input.role });
    }
    assertValidUsername(username);
    if (await this.users.findByUsername(username)) throw problem('user.exists');
    const passwordHash = await hashPassword(input.password);
    try {
      const user = await this.users.create({ username, passwordHash, role: input.role });
      return { username: user.username, role: input.role, createdAt: user.createdAt.toISOString() };
    } catch (err) {
      if ((err as { code?: string }).code === 'P2002') throw problem('user.exists');
      throw err;
    }
  }

  async list(): Promise<UserListItem[]> {
    return (await this.users.listWithPresence()).map(toListItem);
  }

  async delete(username: string): Promise<void> {
    if (!username) throw problem('auth.username_required');
    if (!(await this.users.delete(username))) throw problem('user.not_found');
  }

  async resetPassword(username: string, newPassword: string): Promise<void> {
    if (!username || !newPassword) throw problem('user.reset_fields_required');
    const passwordHash = await hashPassword(newPassword);
    if (!(await this.users.updatePasswordHash(username, passwordHash))) throw problem('user.not_found');
  }

  /**
   * A wrong current password is 400, not 401: the upstream portal treats every 401 as an expired session and
   * signs the admin out. The console shows the message in the form.
   */
  async changePassword(username: string, currentPassword: string, newPassword: string): Promise<void> {
    if (!currentPassword || !newPassword) {
      throw problem('user.change_fields_required');
    }
    assertStorablePassword(newPassword);
    const user = await this.users.findByUsername(username);
    if (!user) throw problem('user.signed_in_user_gone');
    if (!(await verifyPassword(currentPassword, user.passwordHash))) {
      throw problem('user.wrong_current_password');
    }
    await this.users.updatePasswordHash(username, await hashPassword(newPassword));
  }

  /** First start: an empty users table gets the configured admin. Never touched again. */
  async ensureBootstrapAdmin(admin: { username: string; password: string }): Promise<boolean> {
    if ((await this.users.count()) > 0) return false;
    const created = await this.users.createIfNoUsers({
      username: admin.username,
      passwordHash: await hashPassword(admin.password),
      role: 'admin',
    });
    if (created) logger.info('created bootstrap admin user', { username: admin.username });
    return created;
  }

  /** Recovery: on every start, create the admin or overwrite its password and promote it. */
  async applyRecoveryAdmin(admin: { username: string; password: string }): Promise<void> {
    await this.users.upsertAdmin(admin.username, await hashPassword(admin.password));
    logger.warn('recovery admin applied: unset SYNKRONUS_RECOVERY_CREATE_USER/PASS once you have signed in', {
      username: admin.username,
    });
  }
}

function toListItem(user: UserWithPresence): UserListItem {
  const item: UserListItem = {
    id: user.id,
    username: user.username,
    role: user.role,
    createdAt: user.createdAt.toISOString(),
    updatedAt: user.updatedAt.toISOString(),
  };
  if (user.presence.length > 0) {
    item.presence = {
      lastSeenAt: new Date(Math.max(...user.presence.map((p) => p.lastSeenAt.getTime()))).toISOString(),
      clientCount: user.presence.length,
      clients: user.presence.map((p) => ({
        clientId: p.clientId,
        lastSeenAt: p.lastSeenAt.toISOString(),
        ...(p.lastDataVersion !== null && { lastDataVersion: Number(p.lastDataVersion) }),
        ...(p.appBundleVersion !== null && { appBundleVersion: p.appBundleVersion }),
        ...(p.lastOdeVersion !== null && { lastOdeVersion: p.lastOdeVersion }),
      })),
    };
  }
  return item;
}
