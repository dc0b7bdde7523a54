import { getDb, type Db } from '@/server/db/client';

export interface AttachmentOperationRow {
  attachmentId: string;
  operation: 'create' | 'update' | 'delete';
  size: number | null;
  contentType: string | null;
  version: number;
}

/** Largest value of the INTEGER `size` column. */
const MAX_RECORDED_SIZE = 2 ** 31 - 1;

/**
 * attachment_operations (api-contract §9): every insert takes the next value of the global change counter in
 * its trigger, which also locks the sync_version row until commit, so versions become visible in order.
 */
export class AttachmentOperationsRepository {
  constructor(private readonly db: Db = getDb()) {}

  /** A `create` for every client (client_id NULL); a size the column cannot hold is recorded as unknown. */
  async recordCreate(attachmentId: string, size: number, contentType: string): Promise<number> {
    const recordedSize = size <= MAX_RECORDED_SIZE ? size : null;
    const [row] = await this.db.$queryRaw<Array<{ version: bigint }>>`
      INSERT INTO attachment_operations (attachment_id, operation, client_id, size, content_type)
      VALUES (${attachmentId}, 'create', NULL, ${recordedSize}::integer, ${contentType || null})
      RETURNING version`;
    return Number(row.version);
  }

  /**
   * The latest operation per attachment among those after `sinceVersion` (up to `untilVersion`, the counter
   * read before) meant for this client or for all, in version order.
   */
  async latestOperations(
    clientId: string,
    sinceVersion: number,
    untilVersion: number,
  ): Promise<AttachmentOperationRow[]> {
    const rows = await this.db.$queryRaw<
      Array<{
        attachment_id: string;
        operation: AttachmentOperationRow['operation'];
        size: number | null;
        content_type: string | null;
        version: bigint;
      }>
    >`
      SELECT attachment_id, operation, size, content_type, version FROM (
        SELECT DISTINCT ON (attachment_id) attachment_id, operation, size, content_type, version
          FROM attachment_operations
         WHERE version > ${sinceVersion}::bigint AND version <= ${untilVersion}::bigint
           AND (client_id = ${clientId} OR client_id IS NULL)
         ORDER BY attachment_id, version DESC
      ) latest
      ORDER BY version`;
    return rows.map((row) => ({
      attachmentId: row.attachment_id,
      operation: row.operation,
      size: row.size,
      contentType: row.content_type,
      version: Number(row.version),
    }));
  }

  /**
   * One page of attachment ids after `afterId` in id order, each with its latest operation. Keyset paging over
   * the attachment_id index keeps every page cheap however many attachments there are.
   */
  async latestOperationPerId(
    afterId: string,
    limit: number,
  ): Promise<Array<Pick<AttachmentOperationRow, 'attachmentId' | 'operation'>>> {
    const rows = await this.db.$queryRaw<
      Array<{ attachment_id: string; operation: AttachmentOperationRow['operation'] }>
    >`
      SELECT ids.attachment_id, latest.operation
        FROM (SELECT DISTINCT attachment_id FROM attachment_operations
               WHERE attachment_id > ${afterId} ORDER BY attachment_id LIMIT ${limit}) ids
        CROSS JOIN LATERAL (SELECT operation FROM attachment_operations o
               WHERE o.attachment_id = ids.attachment_id ORDER BY version DESC LIMIT 1) latest
       ORDER BY ids.attachment_id`;
    return rows.map((row) => ({ attachmentId: row.attachment_id, operation: row.operation }));
  }
}
