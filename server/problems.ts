import { AppError, STATUS_BY_KIND, type ErrorKind } from '@/server/errors';
import { GENERATION_HEADER } from '@/server/wire/headers';

/**
 * Every domain error, defined once (ODK Central's lib/util/problem.js is the model): a stable code, the kind that
 * picks the HTTP status, the contract's `error` and `message` texts (api-contract §1.4, byte for byte what the
 * server has always sent), and the body's `code` field where the contract has one.
 *
 * Codes are `area.what` strings rather than ODK's numeric 404.1: they read as what went wrong in console code and
 * logs, and they stay valid if a status ever has to change. They ride to the console in tRPC error data
 * (`data.problem`), never in REST bodies, whose shape is the contract's.
 *
 * This module has no server dependencies: the console imports it to name the problem of a REST error body.
 */

type Args = Record<string, string | number>;
type Text<A> = string | ((args: A) => string);

export interface ProblemDefinition<A extends Args | void = void> {
  kind: ErrorKind;
  error: Text<A>;
  message: Text<A>;
  /** The body's `code` field (only where the contract has one). */
  wireCode?: string;
  headers?: (args: A) => Record<string, string>;
}

const fixed = (kind: ErrorKind, error: string, message = error): ProblemDefinition => ({ kind, error, message });

const withArgs = <A extends Args>(
  kind: ErrorKind,
  error: Text<A>,
  message: Text<A>,
  extra: Pick<ProblemDefinition<A>, 'wireCode' | 'headers'> = {},
): ProblemDefinition<A> => ({ kind, error, message, ...extra });

const INVALID_FORMAT = 'Invalid request format';
const BUNDLE_INVALID = 'bundle validation failed: ';
const BUNDLE_FAILED = 'Failed to process app bundle: ';

/**
 * One refused bundle check (server/services/bundles/validation.ts, zip.ts): the reason goes in `message` too, as
 * the portal and the CLI show only `message`.
 */
const bundleCheck = (reason: string) =>
  withArgs<{ detail: string }>(
    'bad_request',
    ({ detail }) => `${BUNDLE_INVALID}${reason}${detail}`,
    ({ detail }) => `${BUNDLE_FAILED}${reason}${detail}`,
  );

export const PROBLEMS = {
  // The request itself (the REST gate and its guards)
  'request.invalid_format': withArgs<{ detail: string }>('bad_request', ({ detail }) => detail, INVALID_FORMAT),
  'request.invalid_target': fixed('bad_request', 'invalid request target', 'Invalid request path'),
  'request.malformed_path': fixed('bad_request', 'malformed path', 'Invalid request path'),
  'request.path_encoding': fixed('bad_request', 'malformed percent-encoding in path', 'Invalid request path'),
  'request.path_control_character': fixed('bad_request', 'control character in path', 'Invalid request path'),
  'request.query_encoding': fixed('bad_request', 'malformed percent-encoding in query', 'Invalid query string'),
  'request.query_control_character': fixed('bad_request', 'control character in query', 'Invalid query string'),
  'request.method_not_allowed': withArgs<{ allowed: string }>(
    'method_not_allowed',
    'method not allowed',
    ({ allowed }) => `Method not allowed; this path accepts ${allowed}`,
    { headers: ({ allowed }) => ({ Allow: allowed }) },
  ),
  'request.not_found': fixed('not_found', 'not found', 'Not found'),
  'request.auth_body_too_large': fixed('payload_too_large', 'request_too_large', 'Request body too large'),
  'request.body_too_large': fixed('payload_too_large', 'request body too large', 'Request body too large'),
  'server.internal': fixed('internal', 'An error occurred', 'Internal server error'),
  'metrics.unauthorized': fixed('unauthorized', 'unauthorized', 'Metrics need the metrics token or an admin token'),
  'console.sign_in_required': fixed('unauthorized', 'unauthorized', 'Sign in to the console'),

  // Sign-in, tokens, passwords
  'auth.username_required': fixed('bad_request', 'username is required', 'Username is required'),
  'auth.password_required': fixed('bad_request', 'password is required', 'Password is required'),
  'auth.refresh_token_required': fixed('bad_request', 'refresh token is required', 'Refresh token is required'),
  'auth.field_too_long': fixed('bad_request', 'invalid_request', 'Authentication field is too long'),
  'auth.invalid_credentials': fixed('unauthorized', 'invalid credentials', 'Invalid credentials'),
  'auth.invalid_refresh_token': fixed('unauthorized', 'invalid refresh token', 'Invalid refresh token'),
  'auth.rate_limited': withArgs<{ retryAfterSeconds: number }>(
    'too_many_requests',
    'rate_limited',
    'Too many authentication attempts; try again later',
    { headers: ({ retryAfterSeconds }) => ({ 'Retry-After': String(retryAfterSeconds) }) },
  ),
  'password.too_long': fixed(
    'bad_request',
    'password length exceeds 72 bytes',
    'Password must be at most 72 bytes long',
  ),

  // Users
  'user.not_found': fixed('not_found', 'user not found', 'User not found'),
  'user.signed_in_user_gone': fixed('unauthorized', 'user not found', 'User not found'),
  'user.username_too_long': withArgs<{ max: number }>(
    'bad_request',
    ({ max }) => `username is longer than ${max} characters`,
    'Username is too long',
  ),
  'user.username_invalid': fixed('bad_request', 'username contains a control character', 'Username is invalid'),
  'user.missing_fields': fixed('bad_request', 'missing required fields', 'Missing required fields'),
  'user.reset_fields_required': fixed(
    'bad_request',
    'missing required fields',
    'Username and new password are required',
  ),
  'user.change_fields_required': fixed(
    'bad_request',
    'missing required fields',
    'Current password and new password are required',
  ),
  'user.invalid_role': withArgs<{ role: string }>(
    'bad_request',
    ({ role }) => `invalid role: ${role}`,
    'Invalid role; expected read-only, read-write or admin',
  ),
  'user.exists': fixed('conflict', 'user already exists', 'Username already exists'),
  'user.wrong_current_password': fixed('bad_request', 'invalid password', 'Current password is incorrect'),

  // Observations, history, conflicts, audit
  'observation.not_found': fixed('not_found', 'observation not found', 'Observation not found'),
  'observation.removed': fixed('conflict', 'observation removed', 'The observation no longer exists'),
  'history.version_not_found': withArgs<{ observationId: string; version: number }>(
    'not_found',
    'version not found',
    ({ observationId, version }) => `Observation ${observationId} has no version ${version}`,
  ),
  'conflict.invalid_cursor': fixed('bad_request', 'invalid cursor', 'cursor must be a value returned as next_cursor'),
  'conflict.not_found': fixed('not_found', 'conflict not found', 'Conflict not found'),
  'conflict.already_resolved': fixed('conflict', 'conflict already resolved', 'This conflict is already resolved'),
  'conflict.version_gone': fixed('conflict', 'version no longer kept', 'The losing version is no longer kept'),
  'audit.invalid_time': withArgs<{ name: string }>(
    'bad_request',
    ({ name }) => `invalid ${name}`,
    ({ name }) => `${name} must be an RFC 3339 time`,
  ),

  // Sync and the repository (server/services/sync, generation.ts)
  'sync.transmission_id_required': fixed('bad_request', 'transmission_id is required'),
  'sync.client_id_required': fixed('bad_request', 'client_id is required'),
  'sync.records_required': fixed('bad_request', 'records is required', 'records must be an array'),
  'sync.key_too_long': withArgs<{ name: string; max: number }>(
    'bad_request',
    ({ name, max }) => `${name} is longer than ${max} characters`,
    ({ name }) => `${name} is too long`,
  ),
  'sync.key_invalid': withArgs<{ name: string }>(
    'bad_request',
    ({ name }) => `${name} must not contain control characters`,
    ({ name }) => `${name} is invalid`,
  ),
  'sync.invalid_record': withArgs<{ problem: string; which: string }>(
    'bad_request',
    ({ problem, which }) => `${problem} (${which})`,
    'Invalid record in batch; nothing was stored',
  ),
  'repository.reset_required': withArgs<{ serverGeneration: string }>(
    'conflict',
    'repository generation mismatch',
    'The server repository was reset; erase local data and sync again',
    {
      wireCode: 'repository_reset_required',
      headers: ({ serverGeneration }) => ({ [GENERATION_HEADER]: serverGeneration }),
    },
  ),
  'repository.reset_unconfirmed': withArgs<{ confirmation: string }>(
    'bad_request',
    ({ confirmation }) => `confirm must be exactly "${confirmation}"`,
    ({ confirmation }) => `Type ${confirmation} to confirm the reset`,
  ),
  'repository.attachments_not_cleared': withArgs<{ detail: string }>(
    'internal',
    ({ detail }) => detail,
    'Repository was reset but attachment files could not be cleared; remove them by hand',
  ),

  // Attachments (server/services/attachments, images.ts, http/binary/attachments.ts)
  'attachment.not_found': fixed('not_found', 'An error occurred', 'Attachment not found'),
  'attachment.exists': fixed('conflict', 'file already exists', 'Attachment already exists'),
  'attachment.too_large': fixed('payload_too_large', 'An error occurred', 'Attachment exceeds upload size limit'),
  'attachment.image_too_large': fixed(
    'payload_too_large',
    'An error occurred',
    'Attachment image exceeds decoded size limit',
  ),
  'attachment.upload_cancelled': fixed('timeout', 'An error occurred', 'Upload cancelled'),
  'attachment.register_failed': fixed('internal', 'An error occurred', 'Failed to register attachment for sync'),
  'attachment.multipart_invalid': fixed('bad_request', 'An error occurred', 'Failed to parse multipart form'),
  'attachment.one_file_required': fixed('bad_request', 'An error occurred', 'Exactly one file part is required'),
  'attachment.id_invalid': fixed('bad_request', 'An error occurred', 'attachment_id is invalid'),
  'attachment.manifest_client_id_required': fixed('bad_request', 'An error occurred', 'client_id is required'),
  'attachment.manifest_since_version_negative': fixed(
    'bad_request',
    'An error occurred',
    'since_version must be non-negative',
  ),
  'attachment.export_file_missing': withArgs<{ attachmentId: string }>(
    'internal',
    ({ attachmentId }) => `open attachment "${attachmentId}": file missing`,
    'Failed to export attachments',
  ),

  // App bundles (server/services/bundles, http/binary/bundles.ts). The checks in the order the server runs them.
  'bundle.invalid_structure': bundleCheck('invalid app bundle structure'),
  'bundle.missing_index': bundleCheck('missing app/index.html'),
  'bundle.invalid_form': bundleCheck('invalid form structure'),
  'bundle.invalid_renderer': bundleCheck('invalid renderer structure'),
  'bundle.missing_renderer_reference': bundleCheck('missing renderer reference'),
  'bundle.core_fields_changed': bundleCheck('core_* fields cannot be modified'),
  /** Any other refusal of the zip itself (links, traversal, encryption, bombs…): after the named checks. */
  'bundle.unsafe_zip': bundleCheck(''),
  'bundle.too_large': withArgs<{ maxBytes: number }>(
    'payload_too_large',
    'bundle too large',
    ({ maxBytes }) => `App bundle exceeds the limit of ${maxBytes} bytes`,
  ),
  'bundle.multipart_invalid': withArgs<{ detail: string }>(
    'bad_request',
    ({ detail }) => detail,
    "Invalid request format. Expected multipart form with a 'bundle' file",
  ),
  'bundle.file_missing': fixed('bad_request', 'missing bundle file', 'Failed to get bundle file from form'),
  'bundle.version_required': fixed('bad_request', 'An error occurred', 'Version is required'),
  'bundle.version_not_found': withArgs<{ version: string }>(
    'not_found',
    ({ version }) => `version ${version} does not exist`,
    'App bundle version not found',
  ),
  'bundle.no_versions': fixed('not_found', 'no app bundle versions', 'No app bundle versions available'),
  'bundle.none_active': fixed('not_found', 'no active app bundle', 'No app bundle is active'),
  'bundle.zip_unavailable': fixed('not_found', 'bundle zip not available', 'Bundle zip not available'),
  'bundle.range_not_satisfiable': fixed(
    'range_not_satisfiable',
    'range not satisfiable',
    'Requested range not satisfiable',
  ),
  'bundle.file_not_found': withArgs<{ path: string }>(
    'not_found',
    ({ path }) => `file not found: ${path}`,
    'File not found',
  ),
  'bundle.file_path_required': fixed('bad_request', 'An error occurred', 'File path is required'),
  'bundle.invalid_file_path': withArgs<{ path: string }>(
    'bad_request',
    ({ path }) => `invalid path: ${path}`,
    'Invalid file path',
  ),
  'bundle.path_encoding_invalid': withArgs<{ path: string }>(
    'bad_request',
    ({ path }) => `invalid URL escape in path: ${path}`,
    'Invalid file path encoding',
  ),
} as const;

export type ProblemCode = keyof typeof PROBLEMS;

type ArgsOf<C extends ProblemCode> = (typeof PROBLEMS)[C] extends ProblemDefinition<infer A> ? A : never;
type ArgsParameter<C extends ProblemCode> = ArgsOf<C> extends Args ? [args: ArgsOf<C>] : [];

const render = <A>(text: Text<A>, args: A): string => (typeof text === 'function' ? text(args) : text);

/** The error a service throws: `throw problem('user.not_found')`, `throw problem('user.invalid_role', { role })`. */
export function problem<C extends ProblemCode>(code: C, ...[args]: ArgsParameter<C>): AppError {
  const definition = PROBLEMS[code] as ProblemDefinition<Args | void>;
  return new AppError(definition.kind, render(definition.error, args), render(definition.message, args), {
    problem: code,
    code: definition.wireCode,
    headers: definition.headers?.(args),
  });
}

/** A placeholder no server text contains, to turn a definition's texts into patterns. */
const HOLE = '\u0000';
const holes = new Proxy({}, { get: () => HOLE }) as Args;

function patternOf(text: Text<Args>): RegExp {
  const literals = render(text, holes).split(HOLE);
  return new RegExp(`^${literals.map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('[^]*')}$`);
}

const PATTERNS = (Object.entries(PROBLEMS) as Array<[ProblemCode, ProblemDefinition<Args>]>).map(
  ([code, definition]) => ({
    code,
    status: STATUS_BY_KIND[definition.kind],
    error: patternOf(definition.error),
    message: patternOf(definition.message),
  }),
);

/**
 * The problem a REST error body stands for. The REST routes keep the contract's `{error, message}` body without a
 * code, so the console names their problem from the definitions above: the first whose texts produce this body.
 */
export function problemOfBody(status: number, body: { error?: string; message?: string }): ProblemCode | undefined {
  const { error = '', message = '' } = body;
  return PATTERNS.find(
    (pattern) => pattern.status === status && pattern.error.test(error) && pattern.message.test(message),
  )?.code;
}
