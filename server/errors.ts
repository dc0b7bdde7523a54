/**
 * The one error type services throw. `error` and `message` become the contract's JSON body
 * `{error, message, code?}` (api-contract §1.4); `kind` picks the status. Services know nothing about HTTP:
 * the routers' error formatter and the REST adapter turn a kind into a status code.
 */
export type ErrorKind =
  | 'bad_request'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'timeout'
  | 'conflict'
  | 'payload_too_large'
  | 'too_many_requests'
  | 'unavailable'
  | 'internal';

export const STATUS_BY_KIND: Record<ErrorKind, number> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  timeout: 408,
  conflict: 409,
  payload_too_large: 413,
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
    readonly options: { code?: string; headers?: Record<string, string> } = {},
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

export const badRequest = (error: string, message = error) => new AppError('bad_request', error, message);
export const notFound = (error: string, message = error) => new AppError('not_found', error, message);
export const conflict = (error: string, message = error) => new AppError('conflict', error, message);
export const unauthorized = (error: string, message = error) => new AppError('unauthorized', error, message);
export const payloadTooLarge = (error: string, message = error) => new AppError('payload_too_large', error, message);
