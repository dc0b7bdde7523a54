import { z } from 'zod';
import { adminProcedure, authedProcedure, router } from '@/server/trpc';
import { UserService } from '@/server/services/users';
import { iso, zMessage, zOptionalText, zPathParam } from '@/server/routers/schemas';
import { record, requestOrigin } from '@/server/services/audit';

export const ZCreateUserRequest = z.object({ username: zOptionalText, password: zOptionalText, role: zOptionalText });
export const ZCreateUserResponse = z.object({ username: z.string(), role: z.string(), createdAt: z.string() });

export const ZUserListItem = z.object({
  id: z.string(),
  username: z.string(),
  role: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  presence: z
    .object({
      lastSeenAt: z.string(),
      clientCount: z.number().int(),
      clients: z.array(
        z.object({
          clientId: z.string(),
          lastSeenAt: z.string(),
          lastDataVersion: z.number().int().optional(),
          appBundleVersion: z.string().optional(),
          lastOdeVersion: z.string().optional(),
        }),
      ),
    })
    .optional(),
});

export const ZDeleteUserRequest = z.object({ username: zPathParam });
export const ZResetPasswordRequest = z.object({ username: zOptionalText, newPassword: zOptionalText });
/** The newest CLI sends `currentPassword`; an older build sent `oldPassword`. */
export const ZChangePasswordRequest = z.object({
  currentPassword: z.string().optional(),
  oldPassword: z.string().optional(),
  newPassword: zOptionalText,
});

const createUser = (path: `/${string}`, summary: string) =>
  adminProcedure
  .meta({ openapi: { method: 'POST', path, tags: ['users'], summary } })
  .input(ZCreateUserRequest)
  .output(ZCreateUserResponse)
  .mutation(async ({ input, ctx }) => {
    const user = await new UserService().create(input);
    await record({ ...requestOrigin(ctx), action: 'user.create', target: user.username, details: { role: user.role } });
    ctx.response.status = 201;
    return { username: user.username, role: user.role, createdAt: iso(user.createdAt) };
  });

const deleteUser = (path: `/${string}`, summary: string) =>
  adminProcedure
  .meta({ openapi: { method: 'DELETE', path, tags: ['users'], summary } })
  .input(ZDeleteUserRequest)
  .output(zMessage)
  .mutation(async ({ input, ctx }) => {
    await new UserService().delete(input.username);
    await record({ ...requestOrigin(ctx), action: 'user.delete', target: input.username });
    return { message: 'User deleted successfully' };
  });

export const usersRouter = router({
  create: createUser('/users/create', 'Create a user'),
  createAtCollection: createUser('/users', 'Create a user (same as /users/create)'),

  list: adminProcedure
    .meta({ openapi: { method: 'GET', path: '/users', tags: ['users'], summary: 'List users with per-device presence' } })
    .input(z.object({}))
    .output(z.array(ZUserListItem))
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

  delete: deleteUser('/users/delete/{username}', 'Delete a user'),
  deleteAtResource: deleteUser('/users/{username}', 'Delete a user (same as /users/delete/{username})'),

  resetPassword: adminProcedure
    .meta({ openapi: { method: 'POST', path: '/users/reset-password', tags: ['users'], summary: "Set another user's password" } })
    .input(ZResetPasswordRequest)
    .output(zMessage)
    .mutation(async ({ input, ctx }) => {
      await new UserService().resetPassword(input.username.trim(), input.newPassword);
      await record({ ...requestOrigin(ctx), action: 'user.reset_password', target: input.username.trim() });
      return { message: 'Password reset successfully' };
    }),

  changePassword: authedProcedure
    .meta({ openapi: { method: 'POST', path: '/users/change-password', tags: ['users'], summary: 'Change your own password' } })
    .input(ZChangePasswordRequest)
    .output(zMessage)
    .mutation(async ({ input, ctx }) => {
      const current = input.currentPassword || input.oldPassword || '';
      await new UserService().changePassword(ctx.user.username, current, input.newPassword);
      await record({ ...requestOrigin(ctx), action: 'user.change_password', target: ctx.user.username });
      return { message: 'Password changed successfully' };
    }),
});
