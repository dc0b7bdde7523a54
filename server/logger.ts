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

type Level = 'debug' | 'info' | 'warn' | 'error';

/**
 * Resolves its pino logger on each call, so the process logger can be created lazily, and a child only for a line
 * that is written: most requests write none below the configured level.
 */
function wrap(resolve: () => pino.Logger): Logger {
  const at = (level: Level) => (message: string, fields?: Fields) => {
    if (rootLogger().isLevelEnabled(level)) resolve()[level](fields ?? {}, message);
  };
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (bindings) => {
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
