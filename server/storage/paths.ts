import path from 'node:path';
import { getConfig } from '@/server/config';

/** Where the server keeps its files under the data root (api-contract §4.1, §5.1). */
export function dataPaths() {
  const root = getConfig().dataDir;
  return {
    root,
    attachments: path.join(root, 'attachments'),
    attachmentsUncompressed: path.join(root, 'attachments_uncompressed'),
    appBundle: path.join(root, 'app-bundle'),
    appBundleVersions: path.join(root, 'app-bundle', 'versions'),
    appBundleActive: path.join(root, 'app-bundle', 'active'),
    temp: path.join(root, 'tmp'),
  };
}
