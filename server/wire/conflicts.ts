import { z } from 'zod';
import { errorJson, gateResponses } from '@/server/wire/errors';
import { jsonBody, operation } from '@/server/wire/operation';

/** Sync conflicts and their review (additions: upstream has none). */

const ConflictSide = z
  .object({ version: z.number().int(), username: z.string().nullable(), client_id: z.string().nullable() })
  .meta({ id: 'ConflictSide' });

export const Conflict = z
  .object({
    id: z.string(),
    observation_id: z.string(),
    status: z.enum(['open', 'resolved']),
    detected_at: z.string(),
    winner: ConflictSide.describe('The version the later push wrote (it stays current on the wire)'),
    loser: ConflictSide.describe('The version it overwrote without having pulled it'),
    resolution: z
      .object({
        keep: z.enum(['winner', 'loser']),
        resolved_at: z.string(),
        resolved_by: z.string().nullable(),
        version: z.number().int().nullable().describe('The new version written when the loser was kept'),
      })
      .nullable(),
  })
  .meta({ id: 'Conflict' });

export const ConflictList = z
  .object({ conflicts: z.array(Conflict), next_cursor: z.string().nullable() })
  .meta({ id: 'ConflictList' });

export const ResolveConflictRequest = z
  .object({ keep: z.enum(['winner', 'loser']) })
  .meta({ id: 'ResolveConflictRequest' });

export const listConflicts = operation({
  operationId: 'listConflicts',
  tags: ['conflicts'],
  summary: 'Sync conflicts, newest first',
  responses: {
    200: { description: 'A page of conflicts', content: { 'application/json': { schema: ConflictList } } },
  },
});

export const resolveConflict = operation({
  operationId: 'resolveConflict',
  tags: ['conflicts'],
  summary: 'Keep the winner, or write the loser as a new version',
  requestBody: jsonBody(ResolveConflictRequest),
  responses: {
    200: { description: 'The resolved conflict', content: { 'application/json': { schema: Conflict } } },
    403: gateResponses.forbidden,
    404: errorJson('Unknown conflict'),
    409: errorJson('Already resolved'),
  },
});
