import { getDb, type Db } from '@/server/db/client';

export interface AuditEventRow {
  id: bigint;
  at: Date;
  actor: string;
  action: string;
  target: string | null;
  ip: string | null;
  client_id: string | null;
  details: Record<string, unknown>;
}

export interface NewAuditEvent {
  actor: string;
  action: string;
  target: string | null;
  ip: string | null;
  clientId: string | null;
  details: Record<string, unknown>;
}

export interface AuditFilter {
  limit: number;
  beforeId?: bigint;
  action?: string;
  actor?: string;
  from?: Date;
  to?: Date;
}

/** The audit log: insert and read only (the table refuses updates and deletes). */
export class AuditRepository {
  constructor(private readonly db: Db = getDb()) {}

  async insert(event: NewAuditEvent): Promise<void> {
    await this.db.$executeRaw`
      INSERT INTO audit_events (actor, action, target, ip, client_id, details)
      VALUES (${event.actor}, ${event.action}, ${event.target}, ${event.ip}, ${event.clientId}, ${JSON.stringify(event.details)}::jsonb)`;
  }

  /** Newest first; `limit` is the page size plus one, to detect more. */
  list(filter: AuditFilter): Promise<AuditEventRow[]> {
    return this.db.$queryRaw<AuditEventRow[]>`
      SELECT id, at, actor, action, target, ip, client_id, details FROM audit_events
       WHERE (${filter.beforeId ?? null}::bigint IS NULL OR id < ${filter.beforeId ?? null}::bigint)
         AND (${filter.action ?? null}::text IS NULL OR action = ${filter.action ?? null}::text)
         AND (${filter.actor ?? null}::text IS NULL OR actor = ${filter.actor ?? null}::text)
         AND (${filter.from ?? null}::timestamptz IS NULL OR at >= ${filter.from ?? null}::timestamptz)
         AND (${filter.to ?? null}::timestamptz IS NULL OR at < ${filter.to ?? null}::timestamptz)
       ORDER BY id DESC
       LIMIT ${filter.limit}`;
  }

  async actions(): Promise<string[]> {
    const rows = await this.db.$queryRaw<
      Array<{ action: string }>
    >`SELECT DISTINCT action FROM audit_events ORDER BY action`;
    return rows.map((row) => row.action);
  }
}
