import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, getJwtSecret, parseConfig, resetConfig } from '@/server/config';

describe('parseConfig', () => {
  it('applies the upstream defaults', () => {
    const config = parseConfig({});
    expect(config.port).toBe(8080);
    expect(config.databaseUrl).toBeUndefined();
    expect(config.maxVersionsKept).toBe(5);
    expect(config.bootstrapAdmin).toEqual({ username: 'admin', password: 'admin' });
    expect(config.acceptLegacyUntypedTokens).toBe(true);
    expect(config.authLimits).toMatchObject({
      maxBodyBytes: 16384,
      ip: { attempts: 60, windowSeconds: 60 },
      maxKeys: 10000,
    });
    expect(config.attachments).toMatchObject({
      maxUploadBytes: 134217728,
      maxConcurrentUploads: 4,
      compressionLevel: 0,
      applyExifOrientation: true,
    });
    expect(config.bcryptCost).toBe(10);
    expect(config.dataDir).toBe(path.join(process.cwd(), 'data'));
  });

  it('reads the map tile URL; unset or blank means no basemap', () => {
    expect(parseConfig({}).mapTileUrl).toBe('');
    expect(parseConfig({ SYNKRONUS_MAP_TILE_URL: '  ' }).mapTileUrl).toBe('');
    expect(parseConfig({ SYNKRONUS_MAP_TILE_URL: ' https://tiles.example/{z}/{x}/{y}.png ' }).mapTileUrl).toBe(
      'https://tiles.example/{z}/{x}/{y}.png',
    );
  });

  it('falls back to defaults for invalid values and clamps the compression level', () => {
    const config = parseConfig({
      PORT: 'eighty',
      SYNKRONUS_AUTH_IP_ATTEMPTS: '-3',
      SYNKRONUS_IMAGE_COMPRESSION_LEVEL: '42',
      SYNKRONUS_IMAGE_MAX_WIDTH_PX: '-1',
      SYNKRONUS_IMAGE_APPLY_EXIF_ORIENTATION: 'maybe',
      LOG_LEVEL: 'loud',
    });
    expect(config.port).toBe(8080);
    expect(config.authLimits.ip.attempts).toBe(60);
    expect(config.attachments.compressionLevel).toBe(10);
    expect(config.attachments.maxWidthPx).toBe(0);
    expect(config.attachments.applyExifOrientation).toBe(true);
    expect(config.logLevel).toBe('info');
  });

  it('prefers DB_CONNECTION over DATABASE_URL and treats blank values as unset', () => {
    expect(parseConfig({ DB_CONNECTION: 'postgres://a/b', DATABASE_URL: 'postgres://c/d' }).databaseUrl).toBe(
      'postgres://a/b',
    );
    expect(parseConfig({ DATABASE_URL: 'postgres://c/d' }).databaseUrl).toBe('postgres://c/d');
    expect(parseConfig({ DB_CONNECTION: ' ' }).databaseUrl).toBeUndefined();
  });

  it('needs both recovery variables or neither', () => {
    expect(
      parseConfig({ SYNKRONUS_RECOVERY_CREATE_USER: 'root', SYNKRONUS_RECOVERY_CREATE_PASS: 'pw' }).recoveryAdmin,
    ).toEqual({ username: 'root', password: 'pw' });
    expect(() => parseConfig({ SYNKRONUS_RECOVERY_CREATE_USER: 'root' })).toThrow(ConfigError);
    expect(() => parseConfig({ SYNKRONUS_RECOVERY_CREATE_PASS: 'pw' })).toThrow(/must be set together/);
  });

  it('reads the storage settings: disk by default, s3 with a bucket, a clear error otherwise', () => {
    expect(parseConfig({}).storage).toEqual({ kind: 'disk' });
    const s3 = parseConfig({
      SYNKRONUS_STORAGE: ' S3 ',
      SYNKRONUS_S3_BUCKET: 'files',
      SYNKRONUS_S3_ENDPOINT: 'http://minio:9000',
      SYNKRONUS_S3_FORCE_PATH_STYLE: 'true',
      SYNKRONUS_S3_PREFIX: '/country-a/',
    }).storage;
    expect(s3).toEqual({
      kind: 's3',
      s3: {
        bucket: 'files',
        endpoint: 'http://minio:9000',
        region: process.env.AWS_REGION ?? 'us-east-1',
        forcePathStyle: true,
        prefix: 'country-a/',
      },
    });
    expect(
      parseConfig({
        SYNKRONUS_STORAGE: 's3',
        SYNKRONUS_S3_BUCKET: 'files',
        SYNKRONUS_S3_ENDPOINT: ' ',
        SYNKRONUS_S3_REGION: 'eu-west-1',
      }).storage,
    ).toMatchObject({
      s3: { endpoint: undefined, region: 'eu-west-1', forcePathStyle: false, prefix: '' },
    });
    expect(() => parseConfig({ SYNKRONUS_STORAGE: 's3' })).toThrow(/needs SYNKRONUS_S3_BUCKET/);
    expect(() => parseConfig({ SYNKRONUS_STORAGE: 'nfs' })).toThrow(/SYNKRONUS_STORAGE must be disk or s3/);
  });

  it('refuses an invalid legacy-token switch', () => {
    expect(parseConfig({ SYNKRONUS_ACCEPT_LEGACY_UNTYPED_TOKENS: 'F' }).acceptLegacyUntypedTokens).toBe(false);
    expect(() => parseConfig({ SYNKRONUS_ACCEPT_LEGACY_UNTYPED_TOKENS: 'nah' })).toThrow(ConfigError);
  });
});

describe('JWT secret', () => {
  const saved = { JWT_SECRET: process.env.JWT_SECRET, DATA_DIR: process.env.DATA_DIR };
  afterEach(() => {
    Object.assign(process.env, saved);
    if (saved.JWT_SECRET === undefined) delete process.env.JWT_SECRET;
    if (saved.DATA_DIR === undefined) delete process.env.DATA_DIR;
    resetConfig();
  });

  it('refuses a set-but-empty or short secret', () => {
    for (const value of ['', 'short-secret']) {
      process.env.JWT_SECRET = value;
      resetConfig();
      expect(() => getJwtSecret()).toThrow(ConfigError);
    }
  });

  it('generates a strong secret once, stored with mode 0600, and reuses it', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'synkronus-secret-'));
    delete process.env.JWT_SECRET;
    process.env.DATA_DIR = dir;
    resetConfig();
    const first = Buffer.from(getJwtSecret()).toString();
    resetConfig();
    const second = Buffer.from(getJwtSecret()).toString();
    expect(first).toBe(second);
    expect(first.length).toBeGreaterThanOrEqual(32);
    expect(fs.statSync(path.join(dir, 'jwt_secret')).mode & 0o777).toBe(0o600);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
