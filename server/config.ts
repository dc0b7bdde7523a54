import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import dotenv from 'dotenv';
import { z } from 'zod';

/**
 * One validated view of the environment (api-contract §10). `.env` files are read from the working directory,
 * then the entry script's directory, then its parent; a variable already set in the real environment wins.
 */

const positiveInt = (fallback: number) =>
  z.preprocess((v) => {
    const n = typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : NaN;
    return Number.isSafeInteger(n) && n > 0 ? n : fallback;
  }, z.number().int().positive());

const nonNegativeInt = (fallback: number) =>
  z.preprocess((v) => {
    const n = typeof v === 'string' && /^\s*-?\d+\s*$/.test(v) ? Number(v) : NaN;
    return Number.isSafeInteger(n) && n >= 0 ? n : fallback;
  }, z.number().int().nonnegative());

/** Go's strconv.ParseBool syntax. */
export function parseGoBool(value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(v)) return false;
  return undefined;
}

const blankAsUnset = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

const goBool = (fallback: boolean) =>
  z.preprocess((v) => parseGoBool(v as string | undefined) ?? fallback, z.boolean());

const EnvSchema = z.object({
  PORT: z.preprocess((v) => {
    const n = Number(v);
    return Number.isInteger(n) && n > 0 && n < 65536 ? n : 8080;
  }, z.number()),
  DATA_DIR: z.string().optional(),
  DATABASE_URL: z.preprocess(blankAsUnset, z.string().trim().optional()),
  DB_CONNECTION: z.preprocess(blankAsUnset, z.string().trim().optional()),
  JWT_SECRET: z.string().optional(),
  SYNKRONUS_BUILD_COMMIT: z.string().trim().min(1).catch('unknown'),
  SYNKRONUS_BUILD_TIME: z.string().trim().min(1).catch('unknown'),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).catch('info'),
  MAX_VERSIONS_KEPT: positiveInt(5),
  ADMIN_USERNAME: z.string().min(1).catch('admin'),
  ADMIN_PASSWORD: z.string().min(1).catch('admin'),
  SYNKRONUS_RECOVERY_CREATE_USER: z.string().optional(),
  SYNKRONUS_RECOVERY_CREATE_PASS: z.string().optional(),
  SYNKRONUS_IMAGE_COMPRESSION_LEVEL: z.preprocess((v) => {
    const n = typeof v === 'string' && /^\s*-?\d+\s*$/.test(v) ? Number(v) : 0;
    return Math.min(10, Math.max(0, n));
  }, z.number()),
  SYNKRONUS_IMAGE_MAX_WIDTH_PX: nonNegativeInt(0),
  SYNKRONUS_IMAGE_MAX_HEIGHT_PX: nonNegativeInt(0),
  SYNKRONUS_IMAGE_APPLY_EXIF_ORIENTATION: goBool(true),
  SYNKRONUS_ACCEPT_LEGACY_UNTYPED_TOKENS: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === '') return true;
      const parsed = parseGoBool(v);
      if (parsed === undefined) {
        ctx.addIssue({ code: 'custom', message: `SYNKRONUS_ACCEPT_LEGACY_UNTYPED_TOKENS: invalid boolean "${v}"` });
        return z.NEVER;
      }
      return parsed;
    }),
  SYNKRONUS_AUTH_MAX_BODY_BYTES: positiveInt(16384),
  SYNKRONUS_AUTH_IP_ATTEMPTS: positiveInt(60),
  SYNKRONUS_AUTH_IP_WINDOW_SECONDS: positiveInt(60),
  SYNKRONUS_AUTH_LOGIN_ATTEMPTS: positiveInt(10),
  SYNKRONUS_AUTH_LOGIN_WINDOW_SECONDS: positiveInt(300),
  SYNKRONUS_AUTH_ACCOUNT_ATTEMPTS: positiveInt(100),
  SYNKRONUS_AUTH_ACCOUNT_WINDOW_SECONDS: positiveInt(900),
  SYNKRONUS_AUTH_LIMITER_MAX_KEYS: positiveInt(10000),
  SYNKRONUS_AUTH_TRUSTED_PROXY_CIDRS: z.string().optional().default(''),
  SYNKRONUS_MAX_ATTACHMENT_UPLOAD_BYTES: positiveInt(134217728),
  SYNKRONUS_MAX_CONCURRENT_ATTACHMENT_UPLOADS: positiveInt(4),
  SYNKRONUS_MAX_UPLOADS_PER_CLIENT: positiveInt(2),
  SYNKRONUS_HEADERS_TIMEOUT_SECONDS: positiveInt(20),
  SYNKRONUS_BODY_TIMEOUT_SECONDS: positiveInt(20),
  SYNKRONUS_MIN_BODY_BYTES_PER_SECOND: nonNegativeInt(512),
  SYNKRONUS_SHUTDOWN_GRACE_SECONDS: nonNegativeInt(25),
  SYNKRONUS_METRICS: goBool(false),
  SYNKRONUS_METRICS_TOKEN: z.preprocess(blankAsUnset, z.string().trim().optional()),
  SYNKRONUS_MAX_CONCURRENT_IMAGE_PROCESSING: positiveInt(2),
  SYNKRONUS_MAX_DECODED_IMAGE_DIMENSION_PX: positiveInt(16384),
  SYNKRONUS_MAX_DECODED_IMAGE_PIXELS: positiveInt(40000000),
  SYNKRONUS_MAX_JSON_BODY_BYTES: positiveInt(64 * 1024 * 1024),
  SYNKRONUS_MAX_BUNDLE_BYTES: positiveInt(256 * 1024 * 1024),
  SYNKRONUS_MAX_BUNDLE_ENTRIES: positiveInt(10000),
  SYNKRONUS_MAX_BUNDLE_UNCOMPRESSED_BYTES: positiveInt(1024 * 1024 * 1024),
  SYNKRONUS_MAX_BUNDLE_COMPRESSION_RATIO: positiveInt(200),
  SYNKRONUS_BCRYPT_COST: z.preprocess((v) => {
    const n = Number(v);
    return Number.isInteger(n) && n >= 4 && n <= 15 ? n : 10;
  }, z.number()),
  SYNKRONUS_VERSION: z.string().trim().min(1).catch('1.0.0'),
  SYNKRONUS_STORAGE: z.preprocess(
    (v) => (typeof v === 'string' ? v.trim().toLowerCase() || undefined : v),
    z.enum(['disk', 's3'], { message: 'SYNKRONUS_STORAGE must be disk or s3' }).default('disk'),
  ),
  SYNKRONUS_S3_BUCKET: z.preprocess(blankAsUnset, z.string().trim().optional()),
  SYNKRONUS_S3_ENDPOINT: z.preprocess(blankAsUnset, z.string().trim().optional()),
  SYNKRONUS_S3_REGION: z.preprocess(blankAsUnset, z.string().trim().optional()),
  SYNKRONUS_S3_FORCE_PATH_STYLE: goBool(false),
  SYNKRONUS_S3_PREFIX: z.preprocess(blankAsUnset, z.string().trim().optional()),
  SYNKRONUS_MAP_TILE_URL: z.string().trim().optional().default(''),
  /** 0 or unset: keep observation history forever. */
  SYNKRONUS_HISTORY_RETENTION_DAYS: nonNegativeInt(0),
});

export type Env = z.infer<typeof EnvSchema>;

export interface Config {
  port: number;
  dataDir: string;
  /** External PostgreSQL; undefined means "start the embedded one". */
  databaseUrl: string | undefined;
  logLevel: Env['LOG_LEVEL'];
  /** JWT_SECRET as set; undefined means "use the generated key file". */
  jwtSecret: string | undefined;
  serverVersion: string;
  build: { commit: string; time: string };
  /** Basemap tiles of the console's observation map (`{z}/{x}/{y}` template); empty: no basemap, a plain grid. */
  mapTileUrl: string;
  maxVersionsKept: number;
  /** Days a replaced observation version is kept; undefined keeps it forever. */
  historyRetentionDays: number | undefined;
  bootstrapAdmin: { username: string; password: string };
  recoveryAdmin: { username: string; password: string } | undefined;
  bcryptCost: number;
  acceptLegacyUntypedTokens: boolean;
  maxJsonBodyBytes: number;
  authLimits: {
    maxBodyBytes: number;
    ip: { attempts: number; windowSeconds: number };
    login: { attempts: number; windowSeconds: number };
    account: { attempts: number; windowSeconds: number };
    maxKeys: number;
    trustedProxyCidrs: string[];
  };
  attachments: {
    maxUploadBytes: number;
    maxConcurrentUploads: number;
    /** Slots one client (user) may hold at once; never more than all of them. */
    maxUploadsPerClient: number;
    maxConcurrentImageProcessing: number;
    maxDecodedDimensionPx: number;
    maxDecodedPixels: number;
    compressionLevel: number;
    maxWidthPx: number;
    maxHeightPx: number;
    applyExifOrientation: boolean;
  };
  http: {
    headersTimeoutSeconds: number;
    /** Request bodies are checked over windows this long: slower than the minimum rate (or idle) is cut. */
    bodyTimeoutSeconds: number;
    minBodyBytesPerSecond: number;
    shutdownGraceSeconds: number;
  };
  metrics: { enabled: boolean; token: string | undefined };
  bundles: {
    maxBytes: number;
    maxEntries: number;
    maxUncompressedBytes: number;
    maxCompressionRatio: number;
  };
  /** Where attachments and app bundles live: the data root, or an S3 bucket shared by every instance. */
  storage: { kind: 'disk' } | { kind: 's3'; s3: S3Settings };
}

export interface S3Settings {
  bucket: string;
  /** Undefined for AWS itself. */
  endpoint: string | undefined;
  region: string;
  forcePathStyle: boolean;
  /** '' or a prefix ending in '/'. */
  prefix: string;
}

export class ConfigError extends Error {}

let envFilesLoaded = false;

function loadEnvFiles(): void {
  if (envFilesLoaded) return;
  envFilesLoaded = true;
  const entryDir = process.argv[1] ? path.dirname(path.resolve(process.argv[1])) : process.cwd();
  const candidates = [process.cwd(), entryDir, path.dirname(entryDir)].map((dir) => path.join(dir, '.env'));
  for (const file of new Set(candidates)) {
    // quiet: dotenv 17 logs a banner by default; override stays false so the real environment wins.
    if (fs.existsSync(file)) dotenv.config({ path: file, override: false, quiet: true });
  }
}

function readEnv(): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...process.env };
  // The Go server also reads the recovery variables in lower case.
  env.SYNKRONUS_RECOVERY_CREATE_USER ??= process.env.synkronus_recovery_create_user;
  env.SYNKRONUS_RECOVERY_CREATE_PASS ??= process.env.synkronus_recovery_create_pass;
  return env;
}

function recoveryAdminFrom(env: Env): Config['recoveryAdmin'] {
  const username = env.SYNKRONUS_RECOVERY_CREATE_USER?.trim() ?? '';
  const password = env.SYNKRONUS_RECOVERY_CREATE_PASS ?? '';
  if (!username && !password) return undefined;
  if (!username || !password) {
    throw new ConfigError(
      'SYNKRONUS_RECOVERY_CREATE_USER and SYNKRONUS_RECOVERY_CREATE_PASS must be set together (or neither)',
    );
  }
  return { username, password };
}

export function parseConfig(rawEnv: Record<string, string | undefined>): Config {
  const parsed = EnvSchema.safeParse(rawEnv);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => i.message).join('; '));
  }
  const env = parsed.data;
  return {
    port: env.PORT,
    dataDir: path.resolve(env.DATA_DIR?.trim() || path.join(process.cwd(), 'data')),
    databaseUrl: env.DB_CONNECTION ?? env.DATABASE_URL,
    logLevel: env.LOG_LEVEL,
    jwtSecret: env.JWT_SECRET,
    serverVersion: env.SYNKRONUS_VERSION,
    build: { commit: env.SYNKRONUS_BUILD_COMMIT, time: env.SYNKRONUS_BUILD_TIME },
    mapTileUrl: env.SYNKRONUS_MAP_TILE_URL,
    maxVersionsKept: env.MAX_VERSIONS_KEPT,
    historyRetentionDays: env.SYNKRONUS_HISTORY_RETENTION_DAYS || undefined,
    bootstrapAdmin: { username: env.ADMIN_USERNAME, password: env.ADMIN_PASSWORD },
    recoveryAdmin: recoveryAdminFrom(env),
    bcryptCost: env.SYNKRONUS_BCRYPT_COST,
    acceptLegacyUntypedTokens: env.SYNKRONUS_ACCEPT_LEGACY_UNTYPED_TOKENS,
    maxJsonBodyBytes: env.SYNKRONUS_MAX_JSON_BODY_BYTES,
    authLimits: {
      maxBodyBytes: env.SYNKRONUS_AUTH_MAX_BODY_BYTES,
      ip: { attempts: env.SYNKRONUS_AUTH_IP_ATTEMPTS, windowSeconds: env.SYNKRONUS_AUTH_IP_WINDOW_SECONDS },
      login: { attempts: env.SYNKRONUS_AUTH_LOGIN_ATTEMPTS, windowSeconds: env.SYNKRONUS_AUTH_LOGIN_WINDOW_SECONDS },
      account: {
        attempts: env.SYNKRONUS_AUTH_ACCOUNT_ATTEMPTS,
        windowSeconds: env.SYNKRONUS_AUTH_ACCOUNT_WINDOW_SECONDS,
      },
      maxKeys: env.SYNKRONUS_AUTH_LIMITER_MAX_KEYS,
      trustedProxyCidrs: env.SYNKRONUS_AUTH_TRUSTED_PROXY_CIDRS.split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    },
    attachments: {
      maxUploadBytes: env.SYNKRONUS_MAX_ATTACHMENT_UPLOAD_BYTES,
      maxConcurrentUploads: env.SYNKRONUS_MAX_CONCURRENT_ATTACHMENT_UPLOADS,
      maxUploadsPerClient: Math.min(
        env.SYNKRONUS_MAX_UPLOADS_PER_CLIENT,
        env.SYNKRONUS_MAX_CONCURRENT_ATTACHMENT_UPLOADS,
      ),
      maxConcurrentImageProcessing: env.SYNKRONUS_MAX_CONCURRENT_IMAGE_PROCESSING,
      maxDecodedDimensionPx: env.SYNKRONUS_MAX_DECODED_IMAGE_DIMENSION_PX,
      maxDecodedPixels: env.SYNKRONUS_MAX_DECODED_IMAGE_PIXELS,
      compressionLevel: env.SYNKRONUS_IMAGE_COMPRESSION_LEVEL,
      maxWidthPx: env.SYNKRONUS_IMAGE_MAX_WIDTH_PX,
      maxHeightPx: env.SYNKRONUS_IMAGE_MAX_HEIGHT_PX,
      applyExifOrientation: env.SYNKRONUS_IMAGE_APPLY_EXIF_ORIENTATION,
    },
    http: {
      headersTimeoutSeconds: env.SYNKRONUS_HEADERS_TIMEOUT_SECONDS,
      bodyTimeoutSeconds: env.SYNKRONUS_BODY_TIMEOUT_SECONDS,
      minBodyBytesPerSecond: env.SYNKRONUS_MIN_BODY_BYTES_PER_SECOND,
      shutdownGraceSeconds: env.SYNKRONUS_SHUTDOWN_GRACE_SECONDS,
    },
    metrics: { enabled: env.SYNKRONUS_METRICS, token: env.SYNKRONUS_METRICS_TOKEN },
    bundles: {
      maxBytes: env.SYNKRONUS_MAX_BUNDLE_BYTES,
      maxEntries: env.SYNKRONUS_MAX_BUNDLE_ENTRIES,
      maxUncompressedBytes: env.SYNKRONUS_MAX_BUNDLE_UNCOMPRESSED_BYTES,
      maxCompressionRatio: env.SYNKRONUS_MAX_BUNDLE_COMPRESSION_RATIO,
    },
    storage: storageFrom(env),
  };
}

function storageFrom(env: Env): Config['storage'] {
  if (env.SYNKRONUS_STORAGE === 'disk') return { kind: 'disk' };
  if (!env.SYNKRONUS_S3_BUCKET) throw new ConfigError('SYNKRONUS_STORAGE=s3 needs SYNKRONUS_S3_BUCKET');
  const prefix = (env.SYNKRONUS_S3_PREFIX ?? '').replace(/^\/+|\/+$/g, '');
  return {
    kind: 's3',
    s3: {
      bucket: env.SYNKRONUS_S3_BUCKET,
      endpoint: env.SYNKRONUS_S3_ENDPOINT,
      // The SDK needs a region even for MinIO-style servers, which ignore it.
      region: env.SYNKRONUS_S3_REGION ?? process.env.AWS_REGION ?? 'us-east-1',
      forcePathStyle: env.SYNKRONUS_S3_FORCE_PATH_STYLE,
      prefix: prefix ? `${prefix}/` : '',
    },
  };
}

let cached: Config | undefined;
/**
 * The embedded database's URL, known only once it has started. Kept on globalThis because Next.js bundles its
 * own copy of this module beside the one server/main.ts loads.
 */
const started = globalThis as unknown as { __synkronusEmbeddedDatabaseUrl?: string };

export function getConfig(): Config {
  if (!cached) {
    loadEnvFiles();
    const config = parseConfig(readEnv());
    cached = { ...config, databaseUrl: config.databaseUrl ?? started.__synkronusEmbeddedDatabaseUrl };
  }
  return cached;
}

/** Points this process at the embedded database the entry point started. */
export function adoptEmbeddedDatabase(url: string): void {
  started.__synkronusEmbeddedDatabaseUrl = url;
  cached = undefined;
}

/** Tests change the environment between cases; production parses once. */
export function resetConfig(): void {
  cached = undefined;
  cachedSecret = undefined;
}

const MIN_SECRET_LENGTH = 32;
let cachedSecret: Uint8Array | undefined;

/**
 * The HS256 key. A set JWT_SECRET must be long enough; an unset one is generated once and kept under the data
 * root (mode 0600), so tokens survive restarts of a development server.
 */
export function getJwtSecret(): Uint8Array {
  if (cachedSecret) return cachedSecret;
  const fromEnv = getConfig().jwtSecret;
  if (fromEnv !== undefined) {
    if (fromEnv.length < MIN_SECRET_LENGTH) {
      throw new ConfigError(`JWT_SECRET is set but shorter than ${MIN_SECRET_LENGTH} characters; refusing to start`);
    }
    cachedSecret = new TextEncoder().encode(fromEnv);
    return cachedSecret;
  }
  cachedSecret = new TextEncoder().encode(readOrCreateSecretFile(path.join(getConfig().dataDir, 'jwt_secret')));
  return cachedSecret;
}

function readOrCreateSecretFile(file: string): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  if (!fs.existsSync(file)) {
    // Written aside and hard-linked into place: a second process starting at the same moment sees either no
    // file or a complete one, and the first link wins.
    const temp = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
    fs.writeFileSync(temp, crypto.randomBytes(48).toString('base64url'), { mode: 0o600 });
    try {
      fs.linkSync(temp, file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    } finally {
      fs.rmSync(temp, { force: true });
    }
  }
  const secret = fs.readFileSync(file, 'utf8').trim();
  if (secret.length < MIN_SECRET_LENGTH) throw new ConfigError(`${file} holds a JWT secret that is too short`);
  return secret;
}
