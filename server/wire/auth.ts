import { z } from 'zod';
import { int64 } from '@/server/wire/openapi';
import { errorJson, ErrorResponse, retryAfterHeaders } from '@/server/wire/errors';
import { jsonBody, operation } from '@/server/wire/operation';

export const LoginRequest = z
  .object({
    username: z.string().meta({ description: "User's username" }),
    password: z.string().meta({ format: 'password', description: "User's password" }),
  })
  .meta({ id: 'LoginRequest' });

export const RefreshTokenRequest = z
  .object({ refreshToken: z.string().meta({ description: 'Refresh token obtained from login or previous refresh' }) })
  .meta({ id: 'RefreshTokenRequest' });

export const AuthResponse = z
  .object({ token: z.string(), refreshToken: z.string(), expiresAt: int64().meta({ description: 'Unix seconds' }) })
  .meta({ id: 'AuthResponse' });

const authResponses = (unauthorized: string) => ({
  200: { description: 'Tokens issued', content: { 'application/json': { schema: AuthResponse } } },
  400: errorJson('Missing fields or malformed JSON'),
  401: errorJson(unauthorized),
  413: errorJson('Request body over SYNKRONUS_AUTH_MAX_BODY_BYTES'),
  429: {
    description: 'Too many authentication attempts',
    headers: retryAfterHeaders,
    content: { 'application/json': { schema: ErrorResponse } },
  },
});

export const login = operation({
  operationId: 'login',
  summary: 'Authenticate user and return JWT tokens',
  public: true,
  requestBody: jsonBody(LoginRequest),
  responses: authResponses('Wrong username or password'),
});

export const refreshToken = operation({
  operationId: 'refreshToken',
  summary: 'Refresh JWT token',
  public: true,
  requestBody: jsonBody(RefreshTokenRequest),
  responses: authResponses('Invalid or expired refresh token'),
});
