import type { ContractErrorBody } from '@/server/errors';
import { AppError } from '@/server/errors';

/** Success JSON as upstream writes it: `application/json`, trailing newline. */
export function jsonResponse(body: unknown, init: { status?: number; headers?: HeadersInit } = {}): Response {
  const headers = new Headers(init.headers);
  headers.set('Content-Type', 'application/json');
  return new Response(JSON.stringify(body) + '\n', { status: init.status ?? 200, headers });
}

export function contractErrorResponse(status: number, body: ContractErrorBody, headers?: HeadersInit): Response {
  return jsonResponse(body, { status, headers });
}

export function appErrorResponse(error: AppError): Response {
  return contractErrorResponse(error.status, error.toBody(), error.options.headers);
}

/** The JWT middleware's answer upstream: plain text, exactly this body. */
export function unauthorizedText(): Response {
  return new Response('Unauthorized\n', { status: 401, headers: { 'Content-Type': 'text/plain; charset=utf-8' } });
}

export function forbiddenText(): Response {
  return new Response('Forbidden\n', { status: 403, headers: { 'Content-Type': 'text/plain; charset=utf-8' } });
}
