import { problem } from '@/server/problems';
import { AttachmentOperationsRepository } from '@/server/db/repositories/attachment-operations';
import { RepositoryStateRepository } from '@/server/db/repositories/repository-state';
import { assertGeneration } from '@/server/services/generation';
import type { AttachmentManifestResponse, AttachmentOperation } from '@/server/wire/attachments';

/**
 * The attachment manifest (api-contract §4.5): what a client must download or delete since its attachment
 * cursor. Only the latest operation per attachment counts; `create`/`update` become `download`.
 */

export interface ManifestQuery {
  clientId: string;
  sinceVersion: number;
  /** The repository generation the client sent, if it sent one (api-contract §3.6). */
  generation: number | undefined;
  /** Where a client downloads an attachment. */
  downloadUrl: (attachmentId: string) => string;
}

export async function attachmentManifest(
  query: ManifestQuery,
  operations = new AttachmentOperationsRepository(),
): Promise<AttachmentManifestResponse> {
  if (query.clientId === '') throw problem('attachment.manifest_client_id_required');
  if (query.sinceVersion < 0) throw problem('attachment.manifest_since_version_negative');
  const counter = await new RepositoryStateRepository().readCounter();
  const currentVersion = Number(counter.currentVersion);
  const repositoryGeneration = Number(counter.repositoryGeneration);
  assertGeneration(repositoryGeneration, query.generation);

  // Bounded by the counter read above: every version up to it is committed, so the cursor never skips one.
  const rows = await operations.latestOperations(query.clientId, query.sinceVersion, currentVersion);
  const manifestOperations = rows.map((row): AttachmentOperation => {
    const operation = row.operation === 'delete' ? 'delete' : 'download';
    return {
      operation,
      attachment_id: row.attachmentId,
      download_url: operation === 'download' ? query.downloadUrl(row.attachmentId) : undefined,
      size: row.size ?? undefined,
      content_type: row.contentType ?? undefined,
      version: row.version,
    };
  });
  const downloads = manifestOperations.filter((op) => op.operation === 'download');
  return {
    current_version: currentVersion,
    repository_generation: repositoryGeneration,
    operations: manifestOperations,
    total_download_size: downloads.reduce((sum, op) => sum + (op.size ?? 0), 0),
    operation_count: { download: downloads.length, delete: manifestOperations.length - downloads.length },
  };
}
