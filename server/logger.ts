import pino from 'pino';
import { getConfig } from '@/server/config';

/**
 * JSON logs through pino, one line per event, at the level `LOG_LEVEL` sets. The call shape is message first
 * (`logger.info('started', { port })`); `child` binds fields such as the request id to every line it writes.
 * Secrets never reach a line: the redacted paths cover passwords, tokens and authorization headers wherever a
 * caller nests them.
 */

type Fields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: Fields): void;
  info(message: string, fields?: Fields): void;
  warn(message: string, fields?: Fields): void;
  error(message: string, fields?: Fields): void;
  child(bindings: Fields): Logger;
}

const SECRET_KEYS = [
  'password',
  'newPassword',
  'currentPassword',
  'oldPassword',
  'token',
  'refreshToken',
  'authorization',
  'cookie',
  'secret',
];
const REDACT_PATHS = SECRET_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`]);

function configuredLevel(): string {
  try {
    return getConfig().logLevel;
  } catch {
    // The configuration itself is broken: the start-up error must still be written.
    return 'info';
  }
}

/** Resolves its pino logger on each call, so the process logger can be created lazily. */
function wrap(resolve: () => pino.Logger): Logger {
  return {
    debug: (message, fields) => resolve().debug(fields ?? {}, message),
    info: (message, fields) => resolve().info(fields ?? {}, message),
    warn: (message, fields) => resolve().warn(fields ?? {}, message),
    error: (message, fields) => resolve().error(fields ?? {}, message),
    child: (bindings) => {
      // Made on its first line: most requests write none below the configured level.
      let child: pino.Logger | undefined;
      return wrap(() => (child ??= resolve().child(bindings)));
    },
  };
}

let root: pino.Logger | undefined;

/** Created on first use so that the level comes from the parsed configuration. */
function rootLogger(): pino.Logger {
  root ??= pino({
    level: configuredLevel(),
    base: undefined,
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
  });
  return root;
}

export const logger: Logger = wrap(rootLogger);
