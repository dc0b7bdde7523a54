import { z } from 'zod';
import { adminProcedure, router } from '@/server/trpc';
import { AuditService } from '@/server/services/audit';
import * as wire from '@/server/wire/audit';

const ZAuditInput = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  before: z.coerce.number().int().positive().optional(),
  action: z.string().trim().max(64).optional(),
  actor: z.string().trim().max(255).optional(),
  from: z.string().max(64).optional().describe('RFC 3339; events at or after'),
  to: z.string().max(64).optional().describe('RFC 3339; events before'),
});

export const auditRouter = router({
  list: adminProcedure
    .meta({ openapi: { method: 'GET', path: '/audit', operationId: wire.listAuditEvents.operationId } })
    .input(ZAuditInput)
    .output(wire.AuditEventList)
    .query(({ input }) => new AuditService().list(input)),

  /** Console: the actions present, for the filter. */
  actions: adminProcedure.output(z.array(z.string())).query(() => new AuditService().actions()),
});
