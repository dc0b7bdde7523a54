import { z } from 'zod';
import { adminProcedure, authedProcedure, router } from '@/server/trpc';
import { UserService } from '@/server/services/users';
import * as wire from '@/server/wire/users';
import type { WireOperation } from '@/server/wire/operation';
import { record, requestOrigin } from '@/server/services/audit';

const createUser = (path: `/${string}`, operation: WireOperation) =>
  adminProcedure
    .meta({ openapi: { method: 'POST', path, operationId: operation.operationId } })
    .input(wire.CreateUserInput)
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
      return user;
    });

const deleteUser = (path: `/${string}`, operation: WireOperation) =>
  adminProcedure
    .meta({ openapi: { method: 'DELETE', path, operationId: operation.operationId } })
    .input(wire.DeleteUserInput)
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
    .query(() => new UserService().list()),

  delete: deleteUser('/users/delete/{username}', wire.deleteUserAtDeletePath),
  deleteAtResource: deleteUser('/users/{username}', wire.deleteUser),

  resetPassword: adminProcedure
    .meta({
      openapi: { method: 'POST', path: '/users/reset-password', operationId: wire.resetUserPassword.operationId },
    })
    .input(wire.ResetPasswordInput)
    .output(wire.ResetUserPassword200Response)
    .mutation(async ({ input, ctx }) => {
      await new UserService().resetPassword(input.username.trim(), input.newPassword);
      await record({ ...requestOrigin(ctx), action: 'user.reset_password', target: input.username.trim() });
      return { message: 'Password reset successfully' };
    }),

  changePassword: authedProcedure
    .meta({ openapi: { method: 'POST', path: '/users/change-password', operationId: wire.changePassword.operationId } })
    .input(wire.ChangePasswordInput)
    .output(wire.ChangePassword200Response)
    .mutation(async ({ input, ctx }) => {
      const current = input.currentPassword || input.oldPassword || '';
      await new UserService().changePassword(ctx.user.username, current, input.newPassword);
      await record({ ...requestOrigin(ctx), action: 'user.change_password', target: ctx.user.username });
      return { message: 'Password changed successfully' };
    }),
});
