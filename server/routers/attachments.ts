import { router } from '@/server/trpc';

export const attachmentsRouter = router({});
