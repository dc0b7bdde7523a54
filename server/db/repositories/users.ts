import { getDb, type Db } from '@/server/db/client';
import type { Role } from '@/server/auth/roles';

export interface UserRow {
  id: string;
  username: string;
  passwordHash: string;
  role: string;
  createdAt: Date;
  updatedAt: Date;
  sessionVersion: number;
}

export interface PresenceRow {
  username: string;
  clientId: string;
  lastSeenAt: Date;
  lastDataVersion: bigint | null;
  appBundleVersion: string | null;
  lastOdeVersion: string | null;
}

export interface UserWithPresence extends UserRow {
  presence: PresenceRow[];
}

/** Part of every write that changes a password or a role: the user's console sessions end with it. */
const ENDS_SESSIONS = { sessionVersion: { increment: 1 } };

/** Dates are stored in `TIMESTAMP` (no time zone) columns as UTC, as upstream. */
export class UserRepository {
  constructor(private readonly db: Db = getDb()) {}

  findByUsername(username: string): Promise<UserRow | null> {
    return this.db.user.findUnique({ where: { username } });
  }

  count(): Promise<number> {
    return this.db.user.count();
  }

  create(user: { username: string; passwordHash: string; role: Role }): Promise<UserRow> {
    const now = new Date();
    return this.db.user.create({ data: { ...user, createdAt: now, updatedAt: now } });
  }

  /** Creates the user only while the table is empty; true when it did. Safe against concurrent starts. */
  async createIfNoUsers(user: { username: string; passwordHash: string; role: Role }): Promise<boolean> {
    const inserted = await this.db.$executeRaw`
      INSERT INTO users (id, username, password_hash, role, created_at, updated_at)
      SELECT uuid_generate_v4(), ${user.username}, ${user.passwordHash}, ${user.role},
             timezone('UTC', now()), timezone('UTC', now())
      WHERE NOT EXISTS (SELECT 1 FROM users)
      ON CONFLICT (username) DO NOTHING`;
    return inserted > 0;
  }

  /** Creates the user as admin, or overwrites its password and promotes it. */
  async upsertAdmin(username: string, passwordHash: string): Promise<void> {
    const now = new Date();
    await this.db.user.upsert({
      where: { username },
      create: { username, passwordHash, role: 'admin', createdAt: now, updatedAt: now },
      update: { passwordHash, role: 'admin', updatedAt: now, ...ENDS_SESSIONS },
    });
  }

  async updatePasswordHash(username: string, passwordHash: string): Promise<boolean> {
    const result = await this.db.user.updateMany({
      where: { username },
      data: { passwordHash, updatedAt: new Date(), ...ENDS_SESSIONS },
    });
    return result.count > 0;
  }

  /** Ends the console sessions opened under `sessionVersion` (nothing when the user is past that version). */
  async endSessions(userId: string, sessionVersion: number): Promise<void> {
    await this.db.user.updateMany({ where: { id: userId, sessionVersion }, data: ENDS_SESSIONS });
  }

  async delete(username: string): Promise<boolean> {
    const result = await this.db.user.deleteMany({ where: { username } });
    return result.count > 0;
  }

  listWithPresence(): Promise<UserWithPresence[]> {
    return this.db.user.findMany({
      orderBy: { username: 'asc' },
      include: { presence: { orderBy: { clientId: 'asc' } } },
    });
  }
}
