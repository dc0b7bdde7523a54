import { z } from 'zod';
import { adminProcedure, authedProcedure, router } from '@/server/trpc';
import { UserService } from '@/server/services/users';
import { iso, zOptionalText, zPathParam } from '@/server/routers/schemas';
import * as wire from '@/server/wire/users';
import type { WireOperation } from '@/server/wire/operation';
import { record, requestOrigin } from '@/server/services/audit';

/** Missing fields reach the service, which answers the contract's 400. */
const ZCreateUserInput = z.object({ username: zOptionalText, password: zOptionalText, role: zOptionalText });
const ZDeleteUserInput = z.object({ username: zPathParam });
const ZResetPasswordInput = z.object({ username: zOptionalText, newPassword: zOptionalText });
/** The newest CLI sends `currentPassword`; an older build sent `oldPassword`. */
const ZChangePasswordInput = z.object({
  currentPassword: z.string().optional(),
  oldPassword: z.string().optional(),
  newPassword: zOptionalText,
});

const createUser = (path: `/${string}`, operation: WireOperation) =>
  adminProcedure
    .meta({ openapi: { method: 'POST', path, operationId: operation.operationId } })
    .input(ZCreateUserInput)
    .output(wire.UserResponse)
    .mutation(async ({ input, ctx }) => {
      const user = await new UserService().create(input);
      await record({
        ...requestOrigin(ctx),
        action: 'user.create',
        target: user.username,
        details: { role: user.role },
      });
      ctx.response.status = 201;
      return { username: user.username, role: user.role, createdAt: iso(user.createdAt) };
    });

const deleteUser = (path: `/${string}`, operation: WireOperation) =>
  adminProcedure
    .meta({ openapi: { method: 'DELETE', path, operationId: operation.operationId } })
    .input(ZDeleteUserInput)
    .output(wire.DeleteUser200Response)
    .mutation(async ({ input, ctx }) => {
      await new UserService().delete(input.username);
      await record({ ...requestOrigin(ctx), action: 'user.delete', target: input.username });
      return { message: 'User deleted successfully' };
    });

export const usersRouter = router({
  create: createUser('/users/create', wire.createUser),
  createAtCollection: createUser('/users', wire.createUserAtCollection),

  list: adminProcedure
    .meta({ openapi: { method: 'GET', path: '/users', operationId: wire.listUsers.operationId } })
    .input(z.object({}))
    .output(wire.UserList)
    .query(async () =>
      (await new UserService().list()).map((user) => ({
        ...user,
        createdAt: iso(user.createdAt),
        updatedAt: iso(user.updatedAt),
        presence: user.presence && {
          ...user.presence,
          lastSeenAt: iso(user.presence.lastSeenAt),
          clients: user.presence.clients.map((client) => ({ ...client, lastSeenAt: iso(client.lastSeenAt) })),
        },
      })),
    ),

  delete: deleteUser('/users/delete/{username}', wire.deleteUserAtDeletePath),
  deleteAtResource: deleteUser('/users/{username}', wire.deleteUser),

  resetPassword: adminProcedure
    .meta({
      openapi: { method: 'POST', path: '/users/reset-password', operationId: wire.resetUserPassword.operationId },
    })
    .input(ZResetPasswordInput)
    .output(wire.ResetUserPassword200Response)
    .mutation(async ({ input, ctx }) => {
      await new UserService().resetPassword(input.username.trim(), input.newPassword);
      await record({ ...requestOrigin(ctx), action: 'user.reset_password', target: input.username.trim() });
      return { message: 'Password reset successfully' };
    }),

  changePassword: authedProcedure
    .meta({ openapi: { method: 'POST', path: '/users/change-password', operationId: wire.changePassword.operationId } })
    .input(ZChangePasswordInput)
    .output(wire.ChangePassword200Response)
    .mutation(async ({ input, ctx }) => {
      const current = input.currentPassword || input.oldPassword || '';
      await new UserService().changePassword(ctx.user.username, current, input.newPassword);
      await record({ ...requestOrigin(ctx), action: 'user.change_password', target: ctx.user.username });
      return { message: 'Password changed successfully' };
    }),
});
