import { TRPCClientError } from '@trpc/client';
import type { ErrorData } from '@/server/trpc';
import { problemOfBody, type ProblemCode } from '@/server/problems';

/** An error answer of a streaming REST route, in the contract's `{error, message}` shape. */
export class RestError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** The catalogue code of the answer (server/problems.ts), when it is one of the catalogue's. */
    readonly problem?: ProblemCode,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'RestError';
  }
}

/** A REST route's error answer: `{error, message}` JSON, or plain text (401/403), whose text is the message. */
export function restErrorOf(status: number, headers: { get(name: string): string | null }, text: string): RestError {
  let body: { error?: string; message?: string } = {};
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    // Not JSON: the text itself is the message.
  }
  const message = body.message || text.trim() || `Request failed with status ${status}`;
  return new RestError(status, message, problemOfBody(status, body), parseRetryAfter(headers.get('retry-after')));
}

export interface DescribedError {
  message: string;
  /** The catalogue code (server/problems.ts): what the console keys on, never the message. */
  problem?: ProblemCode;
  /** Seconds to wait, from Retry-After on a 429. */
  retryAfterSeconds?: number;
  /** Input fields the server refused, with why. */
  issues?: Array<{ path: string; message: string }>;
  unauthorized: boolean;
}

/** Retry-After is seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - now) / 1000));
}

/** What the person sees: the server's own message, never a generic one when the server said something. */
export function describeError(err: unknown): DescribedError {
  if (err instanceof TRPCClientError) {
    const data = err.data as (ErrorData & { code?: string; httpStatus?: number }) | undefined;
    const issues = data?.issues;
    return {
      message: issues?.length ? 'Some fields are not valid' : err.message || 'The request failed',
      problem: data?.problem,
      retryAfterSeconds: parseRetryAfter(data?.contract?.headers?.['Retry-After']),
      issues,
      unauthorized: data?.code === 'UNAUTHORIZED',
    };
  }
  if (err instanceof RestError) {
    return {
      message: err.message,
      problem: err.problem,
      retryAfterSeconds: err.retryAfterSeconds,
      unauthorized: err.status === 401,
    };
  }
  if (err instanceof TypeError)
    return { message: 'The server could not be reached. Check your connection.', unauthorized: false };
  return { message: err instanceof Error ? err.message : String(err), unauthorized: false };
}
