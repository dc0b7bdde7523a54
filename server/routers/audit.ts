import { z } from 'zod';
import { adminProcedure, router } from '@/server/trpc';
import { AuditService } from '@/server/services/audit';

export const ZAuditEvent = z
  .object({
    id: z.number().int(),
    at: z.string(),
    actor: z.string(),
    action: z.string(),
    target: z.string().nullable(),
    ip: z.string().nullable(),
    client_id: z.string().nullable(),
    details: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'AuditEvent' });

export const ZAuditPage = z
  .object({ events: z.array(ZAuditEvent), next_before: z.number().int().nullable() })
  .meta({ id: 'AuditEventList' });

export const ZAuditRequest = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  before: z.coerce.number().int().positive().optional(),
  action: z.string().trim().max(64).optional(),
  actor: z.string().trim().max(255).optional(),
  from: z.string().max(64).optional().describe('RFC 3339; events at or after'),
  to: z.string().max(64).optional().describe('RFC 3339; events before'),
});

export const auditRouter = router({
  list: adminProcedure
    .meta({ openapi: { method: 'GET', path: '/audit', tags: ['audit'], operationId: 'listAuditEvents', summary: 'The audit log, newest first' } })
    .input(ZAuditRequest)
    .output(ZAuditPage)
    .query(({ input }) => new AuditService().list(input)),

  /** Console: the actions present, for the filter. */
  actions: adminProcedure.output(z.array(z.string())).query(() => new AuditService().actions()),
});
