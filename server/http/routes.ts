import { compileRoutes } from '@/server/http/binary-routes';
import { attachmentsRoutes } from '@/server/http/binary/attachments';
import { bundlesRoutes } from '@/server/http/binary/bundles';
import { exportsRoutes } from '@/server/http/binary/exports';

/** Every streaming / non-JSON REST endpoint, in match order (more specific paths first within each area). */
export const binaryRoutes = compileRoutes([...attachmentsRoutes, ...bundlesRoutes, ...exportsRoutes]);
