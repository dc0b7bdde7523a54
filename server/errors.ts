import type { ProblemCode } from '@/server/problems';

/**
 * The one error type services throw, made by `problem(code)` from the catalogue (server/problems.ts). `error` and
 * `message` become the contract's JSON body `{error, message, code?}` (api-contract §1.4); `kind` picks the status.
 * Services know nothing about HTTP: the routers' error formatter and the REST adapter turn a kind into a status.
 */
export type ErrorKind =
  | 'bad_request'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'method_not_allowed'
  | 'timeout'
  | 'conflict'
  | 'payload_too_large'
  | 'range_not_satisfiable'
  | 'too_many_requests'
  | 'unavailable'
  | 'internal';

export const STATUS_BY_KIND: Record<ErrorKind, number> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  timeout: 408,
  conflict: 409,
  payload_too_large: 413,
  range_not_satisfiable: 416,
  too_many_requests: 429,
  unavailable: 503,
  internal: 500,
};

export interface ContractErrorBody {
  error: string;
  message: string;
  code?: string;
}

export class AppError extends Error {
  constructor(
    readonly kind: ErrorKind,
    /** The short machine-ish text clients see under `error` (the Go error text upstream). */
    readonly error: string,
    /** The human text under `message`. */
    readonly userMessage: string,
    readonly options: {
      /** The catalogue code (server/problems.ts): stable, for the console and logs; never in a REST body. */
      problem: ProblemCode;
      /** The body's `code` field, where the contract has one. */
      code?: string;
      headers?: Record<string, string>;
    },
  ) {
    super(userMessage);
    this.name = 'AppError';
  }

  get status(): number {
    return STATUS_BY_KIND[this.kind];
  }

  toBody(): ContractErrorBody {
    return this.options.code
      ? { error: this.error, message: this.userMessage, code: this.options.code }
      : { error: this.error, message: this.userMessage };
  }
}
