import { router } from '@/server/trpc';

export const exportsRouter = router({});
