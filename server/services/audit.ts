import { AuditRepository, type AuditEventRow } from '@/server/db/repositories/audit';
import { AppError } from '@/server/errors';
import { problem } from '@/server/problems';
import { logger } from '@/server/logger';
import type { AuthUser } from '@/server/auth/roles';
import type { RequestInfo } from '@/server/trpc';

export const AUDIT_ACTIONS = [
  'auth.login',
  'auth.login_failed',
  'user.create',
  'user.delete',
  'user.reset_password',
  'user.change_password',
  'bundle.push',
  'bundle.switch',
  'repository.reset',
  'export.parquet',
  'export.raw_json',
  'export.attachments_zip',
  'conflict.resolve',
  'observation.restore',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export interface AuditEvent {
  action: AuditAction;
  actor: string;
  target?: string | null;
  ip?: string | null;
  clientId?: string | null;
  details?: Record<string, unknown>;
}

/** Keys that never reach the log, whatever a caller passes. */
const SECRET_KEY = /pass|secret|token|authorization|cookie/i;

function withoutSecrets(details: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(details).filter(([key]) => !SECRET_KEY.test(key)));
}

/**
 * Appends one event. The action it describes has already happened, so a failure to record is logged, never
 * turned into a failed request.
 */
export async function record(event: AuditEvent): Promise<void> {
  try {
    await new AuditRepository().insert({
      actor: event.actor,
      action: event.action,
      target: event.target ?? null,
      ip: event.ip || null,
      clientId: event.clientId || null,
      details: withoutSecrets(event.details ?? {}),
    });
  } catch (err) {
    logger.error('audit event could not be recorded', {
      action: event.action,
      actor: event.actor,
      error: (err as Error).message,
    });
  }
}

/** Actor, IP and client id of a signed-in request, for `record({...requestOrigin(ctx), action, ...})`. */
export function requestOrigin(ctx: {
  user: AuthUser | null;
  request: RequestInfo;
}): Pick<AuditEvent, 'actor' | 'ip' | 'clientId'> {
  return { actor: ctx.user?.username ?? '', ip: ctx.request.clientIp, clientId: ctx.request.clientId };
}

/**
 * Runs a sign-in and records its outcome. Wrong credentials are recorded with the username tried; throttled or
 * malformed attempts are not (the limiter already refuses them, and recording each would let a flood fill the log).
 */
export async function auditedSignIn<T>(
  attempt: { channel: 'rest' | 'console'; username: string; ip: string; clientId?: string },
  signIn: () => Promise<T>,
): Promise<T> {
  const origin = { actor: attempt.username, target: attempt.username, ip: attempt.ip, clientId: attempt.clientId };
  try {
    const result = await signIn();
    await record({ ...origin, action: 'auth.login', details: { channel: attempt.channel } });
    return result;
  } catch (err) {
    if (err instanceof AppError && err.kind === 'unauthorized') {
      await record({ ...origin, action: 'auth.login_failed', details: { channel: attempt.channel } });
    }
    throw err;
  }
}

export interface AuditPage {
  events: Array<{
    id: number;
    at: string;
    actor: string;
    action: string;
    target: string | null;
    ip: string | null;
    client_id: string | null;
    details: Record<string, unknown>;
  }>;
  next_before: number | null;
}

function parseTime(value: string | undefined, name: string): Date | undefined {
  if (value === undefined) return undefined;
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw problem('audit.invalid_time', { name });
  return date;
}

function toEvent(row: AuditEventRow): AuditPage['events'][number] {
  return {
    id: Number(row.id),
    at: row.at.toISOString(),
    actor: row.actor,
    action: row.action,
    target: row.target,
    ip: row.ip,
    client_id: row.client_id,
    details: row.details,
  };
}

export class AuditService {
  constructor(private readonly events = new AuditRepository()) {}

  async list(query: {
    limit: number;
    before?: number;
    action?: string;
    actor?: string;
    from?: string;
    to?: string;
  }): Promise<AuditPage> {
    const rows = await this.events.list({
      limit: query.limit + 1,
      beforeId: query.before !== undefined ? BigInt(query.before) : undefined,
      action: query.action || undefined,
      actor: query.actor || undefined,
      from: parseTime(query.from, 'from'),
      to: parseTime(query.to, 'to'),
    });
    const page = rows.slice(0, query.limit).map(toEvent);
    return { events: page, next_before: rows.length > query.limit ? page[page.length - 1].id : null };
  }

  actions(): Promise<string[]> {
    return this.events.actions();
  }
}
