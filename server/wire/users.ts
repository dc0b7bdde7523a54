import { z } from 'zod';
import { dateTime, int64 } from '@/server/wire/openapi';
import { errorJson, gateResponses } from '@/server/wire/errors';
import { clientIdHeader, jsonBody, operation } from '@/server/wire/operation';
import { zOptionalText, zPathParam } from '@/server/routers/schemas';

const ROLES = ['read-only', 'read-write', 'admin'];
/** Documented as upstream's enum; read back as the stored string. */
const Role = z.string().meta({ override: { type: 'string', enum: ROLES } });

export const CreateUserRequest = z
  .object({
    username: z.string().meta({ description: "New user's username" }),
    password: z.string().meta({ format: 'password', description: "New user's password" }),
    role: Role.meta({ description: "User's role" }),
  })
  .meta({ id: 'CreateUserRequest' });

export const UserResponse = z
  .object({ username: z.string(), role: Role, createdAt: dateTime() })
  .meta({ id: 'UserResponse' });

const UserPresenceClient = z
  .object({
    clientId: z.string().meta({ description: 'Client id from sync or empty string when unknown' }),
    lastSeenAt: dateTime(),
    lastDataVersion: int64()
      .optional()
      .meta({ description: 'Last known sync data version cursor hint for this client' }),
    appBundleVersion: z.string().optional(),
    lastOdeVersion: z
      .string()
      .optional()
      .meta({ description: 'ODE/Formulus client version header last seen for this row' }),
  })
  .meta({ id: 'UserPresenceClient' });

const UserPresenceSummary = z
  .object({
    lastSeenAt: dateTime().meta({ description: 'Latest activity across all clients for this user' }),
    clientCount: z.number().int().meta({ description: 'Number of distinct client ids seen' }),
    clients: z.array(UserPresenceClient),
  })
  .meta({
    id: 'UserPresenceSummary',
    description: 'Upstream requires none of these fields; this server always sends all three.',
  });

export const UserListItem = z
  .object({
    id: z.string().meta({ format: 'uuid' }),
    username: z.string(),
    role: Role,
    createdAt: dateTime(),
    updatedAt: dateTime(),
    presence: UserPresenceSummary.optional(),
  })
  .meta({ id: 'UserListItem' });

export const UserList = z.array(UserListItem);

export const ResetUserPasswordRequest = z
  .object({
    username: z.string().meta({ description: 'Username of the user whose password is being reset' }),
    newPassword: z.string().meta({ format: 'password', description: 'New password for the user' }),
  })
  .meta({ id: 'ResetUserPasswordRequest' });

export const ChangePasswordRequest = z
  .object({
    currentPassword: z.string().meta({
      format: 'password',
      description: 'Current password for verification (an older CLI sent `oldPassword`, also accepted)',
    }),
    newPassword: z.string().meta({ format: 'password', description: 'New password to set' }),
  })
  .meta({ id: 'ChangePasswordRequest' });

const messageResponse = (id: string, example: string) =>
  z
    .object({ message: z.string().meta({ example }) })
    .partial()
    .meta({ id });

export const DeleteUser200Response = messageResponse('DeleteUser200Response', 'User deleted successfully');
export const ResetUserPassword200Response = messageResponse(
  'ResetUserPassword200Response',
  'Password reset successfully',
);
export const ChangePassword200Response = messageResponse('ChangePassword200Response', 'Password changed successfully');

/**
 * What the procedures take: the documented requests above, read leniently (a missing field reaches the service,
 * which answers the contract's 400). The service's types are these, inferred: one source for both.
 */
export const CreateUserInput = z.object({ username: zOptionalText, password: zOptionalText, role: zOptionalText });
export const DeleteUserInput = z.object({ username: zPathParam });
export const ResetPasswordInput = z.object({ username: zOptionalText, newPassword: zOptionalText });
/** The newest CLI sends `currentPassword`; an older build sent `oldPassword`. */
export const ChangePasswordInput = z.object({
  currentPassword: z.string().optional(),
  oldPassword: z.string().optional(),
  newPassword: zOptionalText,
});

export type CreateUserInput = z.infer<typeof CreateUserInput>;
export type UserResponse = z.infer<typeof UserResponse>;
export type UserListItem = z.infer<typeof UserListItem>;

const adminOnly = { 403: gateResponses.forbidden };

const createUserOperation = (operationId: string, summary: string) =>
  operation({
    operationId,
    summary,
    requestBody: jsonBody(CreateUserRequest),
    responses: {
      201: { description: 'User created', content: { 'application/json': { schema: UserResponse } } },
      400: errorJson('Missing fields, unknown role, or a password that cannot be stored'),
      ...adminOnly,
      409: errorJson('Username already exists'),
    },
  });

const deleteUserOperation = (operationId: string, summary: string) =>
  operation({
    operationId,
    summary,
    responses: {
      200: { description: 'User deleted', content: { 'application/json': { schema: DeleteUser200Response } } },
      400: errorJson('Missing username, or deleting yourself'),
      ...adminOnly,
      404: errorJson('User not found'),
    },
  });

export const createUser = createUserOperation('createUser', 'Create a new user (admin only)');
/** Addition: the same at the collection path. */
export const createUserAtCollection = createUserOperation(
  'createUserAtCollection',
  'Create a new user (admin only; same as /api/users/create)',
);
export const deleteUser = deleteUserOperation('deleteUser', 'Delete a user (admin only)');
/** Addition: the path the CLI and the portal call. */
export const deleteUserAtDeletePath = deleteUserOperation(
  'deleteUserAtDeletePath',
  'Delete a user (admin only; same as DELETE /api/users/{username})',
);

export const listUsers = operation({
  operationId: 'listUsers',
  summary: 'List all users with per-device presence (admin only)',
  headers: z.object({ 'x-ode-client-id': clientIdHeader }),
  responses: {
    200: { description: 'List of all users', content: { 'application/json': { schema: UserList } } },
    ...adminOnly,
  },
});

export const resetUserPassword = operation({
  operationId: 'resetUserPassword',
  summary: 'Reset user password (admin only)',
  requestBody: jsonBody(ResetUserPasswordRequest),
  responses: {
    200: { description: 'Password reset', content: { 'application/json': { schema: ResetUserPassword200Response } } },
    400: errorJson('Missing fields, or a password that cannot be stored'),
    ...adminOnly,
    404: errorJson('User not found'),
  },
});

export const changePassword = operation({
  operationId: 'changePassword',
  summary: "Change the signed-in user's password",
  description: 'A wrong current password is 400 `invalid password` (a 401 would read as an expired session).',
  requestBody: jsonBody(ChangePasswordRequest),
  responses: {
    200: { description: 'Password changed', content: { 'application/json': { schema: ChangePassword200Response } } },
    400: errorJson('Missing fields, wrong current password, or a new password that cannot be stored'),
    401: {
      description: 'No valid access token (plain text), or the user no longer exists (JSON)',
      content: { ...gateResponses.unauthorized.content, ...errorJson('').content },
    },
  },
});
