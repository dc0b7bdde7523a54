import { router } from '@/server/trpc';

export const syncRouter = router({});
