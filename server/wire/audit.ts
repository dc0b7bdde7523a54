import { z } from 'zod';
import { gateResponses } from '@/server/wire/errors';
import { operation } from '@/server/wire/operation';

/** The audit log of admin actions and sign-ins (addition: upstream has none). */

export const AuditEvent = z
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

export const AuditEventList = z
  .object({ events: z.array(AuditEvent), next_before: z.number().int().nullable() })
  .meta({ id: 'AuditEventList' });

export const listAuditEvents = operation({
  operationId: 'listAuditEvents',
  tags: ['audit'],
  summary: 'The audit log, newest first (admin only)',
  responses: {
    200: { description: 'A page of events', content: { 'application/json': { schema: AuditEventList } } },
    403: gateResponses.forbidden,
  },
});
