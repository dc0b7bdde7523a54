import { router } from '@/server/trpc';

export const bundlesRouter = router({});
