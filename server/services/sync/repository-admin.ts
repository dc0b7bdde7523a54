import { RepositoryStateRepository } from '@/server/db/repositories/repository-state';
import { problem } from '@/server/problems';
import { logger } from '@/server/logger';
import { emptyAttachmentFolders } from '@/server/storage/attachment-folders';
import type { RepositoryResetResponse, RepositoryStatus } from '@/server/wire/sync';

export const RESET_CONFIRMATION = 'RESET_REPOSITORY';

/** The repository as a whole: its status (counter, generation, last reset) and the admin's hard reset. */
export class RepositoryAdminService {
  constructor(private readonly state = new RepositoryStateRepository()) {}

  async resetRepository(confirm: string, username: string): Promise<RepositoryResetResponse> {
    if (confirm !== RESET_CONFIRMATION) {
      throw problem('repository.reset_unconfirmed', { confirmation: RESET_CONFIRMATION });
    }
    const generation = await this.state.transaction(async (tx) => {
      await this.state.lockCounter(tx);
      return this.state.resetRepository(tx, username);
    });
    logger.warn('repository reset', { by: username, generation: Number(generation) });
    try {
      await emptyAttachmentFolders();
    } catch (err) {
      logger.error('attachment folders could not be emptied after a reset', { error: (err as Error).message });
      throw problem('repository.attachments_not_cleared', { detail: (err as Error).message });
    }
    return { repository_generation: Number(generation), message: 'Repository reset completed' };
  }

  async repositoryStatus(): Promise<RepositoryStatus> {
    const counter = await this.state.readCounter();
    return {
      repositoryGeneration: Number(counter.repositoryGeneration),
      currentVersion: Number(counter.currentVersion),
      lastResetAt: counter.lastResetAt?.toISOString() ?? null,
      lastResetBy: counter.lastResetBy,
    };
  }
}
