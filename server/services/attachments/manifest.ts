import { AppError } from '@/server/errors';
import { AttachmentOperationsRepository } from '@/server/db/repositories/attachment-operations';
import { RepositoryStateRepository } from '@/server/db/repositories/repository-state';
import { assertGeneration } from '@/server/services/generation';

/**
 * The attachment manifest (api-contract §4.5): what a client must download or delete since its attachment
 * cursor. Only the latest operation per attachment counts; `create`/`update` become `download`.
 */

export interface ManifestQuery {
  clientId: string;
  sinceVersion: number;
  /** The client's repository generation, undefined when it sent none. */
  generation: number | undefined;
}

export interface ManifestOperation {
  operation: 'download' | 'delete';
  attachmentId: string;
  size: number | null;
  contentType: string | null;
  version: number;
}

export interface AttachmentManifest {
  currentVersion: number;
  repositoryGeneration: number;
  operations: ManifestOperation[];
  totalDownloadSize: number;
  operationCount: { download: number; delete: number };
}

const invalid = (message: string) => new AppError('bad_request', 'An error occurred', message);

export async function attachmentManifest(
  query: ManifestQuery,
  operations = new AttachmentOperationsRepository(),
): Promise<AttachmentManifest> {
  if (query.clientId === '') throw invalid('client_id is required');
  if (query.sinceVersion < 0) throw invalid('since_version must be non-negative');
  const counter = await new RepositoryStateRepository().readCounter();
  const state = {
    currentVersion: Number(counter.currentVersion),
    repositoryGeneration: Number(counter.repositoryGeneration),
  };
  assertGeneration(state.repositoryGeneration, query.generation);

  // Bounded by the counter read above: every version up to it is committed, so the cursor never skips one.
  const rows = await operations.latestOperations(query.clientId, query.sinceVersion, state.currentVersion);
  const manifestOperations = rows.map((row): ManifestOperation => ({
    ...row,
    operation: row.operation === 'delete' ? 'delete' : 'download',
  }));
  const downloads = manifestOperations.filter((op) => op.operation === 'download');
  return {
    currentVersion: state.currentVersion,
    repositoryGeneration: state.repositoryGeneration,
    operations: manifestOperations,
    totalDownloadSize: downloads.reduce((sum, op) => sum + (op.size ?? 0), 0),
    operationCount: { download: downloads.length, delete: manifestOperations.length - downloads.length },
  };
}
