import { compileRoutes } from '@/server/http/binary-routes';

/** Every streaming / non-JSON REST endpoint, in match order (more specific paths first). */
export const binaryRoutes = compileRoutes([]);
