import { router } from '@/server/trpc';
import { authRouter } from '@/server/routers/auth';
import { usersRouter } from '@/server/routers/users';
import { systemRouter } from '@/server/routers/system';
import { syncRouter } from '@/server/routers/sync';
import { attachmentsRouter } from '@/server/routers/attachments';
import { bundlesRouter } from '@/server/routers/bundles';
import { statsRouter } from '@/server/routers/stats';
import { consoleRouter } from '@/server/routers/console';
import { historyRouter } from '@/server/routers/history';
import { conflictsRouter } from '@/server/routers/conflicts';
import { auditRouter } from '@/server/routers/audit';

export const appRouter = router({
  auth: authRouter,
  users: usersRouter,
  system: systemRouter,
  sync: syncRouter,
  attachments: attachmentsRouter,
  bundles: bundlesRouter,
  stats: statsRouter,
  console: consoleRouter,
  history: historyRouter,
  conflicts: conflictsRouter,
  audit: auditRouter,
});

export type AppRouter = typeof appRouter;
