import type { BinaryRoute } from '@/server/http/binary-routes';

export const exportsRoutes: BinaryRoute[] = [];
