import type { WireOperation } from '@/server/wire/operation';
import * as attachments from '@/server/wire/attachments';
import * as audit from '@/server/wire/audit';
import * as conflicts from '@/server/wire/conflicts';
import * as history from '@/server/wire/history';
import * as auth from '@/server/wire/auth';
import * as bundles from '@/server/wire/bundles';
import * as stats from '@/server/wire/stats';
import * as sync from '@/server/wire/sync';
import * as system from '@/server/wire/system';
import * as users from '@/server/wire/users';

/** Every documented operation by operationId. */
export const wireOperations: ReadonlyMap<string, WireOperation> = new Map(
  [
    system.getHealth,
    system.getVersion,
    system.getAPIVersions,
    auth.login,
    auth.refreshToken,
    users.createUser,
    users.createUserAtCollection,
    users.listUsers,
    users.deleteUser,
    users.deleteUserAtDeletePath,
    users.resetUserPassword,
    users.changePassword,
    sync.syncPull,
    sync.syncPush,
    sync.adminRepositoryReset,
    attachments.getAttachmentManifest,
    attachments.getAttachmentsExportZip,
    attachments.uploadAttachment,
    attachments.downloadAttachment,
    attachments.checkAttachmentExists,
    bundles.getAppBundleChanges,
    bundles.getAppBundleManifest,
    bundles.downloadAppBundleFile,
    bundles.downloadAppBundleZip,
    bundles.getAppBundleVersions,
    bundles.pushAppBundle,
    bundles.switchAppBundleVersion,
    stats.getObservationStats,
    stats.getParquetExportZip,
    stats.getRawJsonExportZip,
    history.getObservationHistory,
    history.restoreObservationVersion,
    conflicts.listConflicts,
    conflicts.resolveConflict,
    audit.listAuditEvents,
  ].map((operation) => [operation.operationId, operation]),
);
