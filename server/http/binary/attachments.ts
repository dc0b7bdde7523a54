import type { BinaryRoute } from '@/server/http/binary-routes';

export const attachmentsRoutes: BinaryRoute[] = [];
