import fsp from 'node:fs/promises';
import type sharpModule from 'sharp';
import { getConfig, type Config } from '@/server/config';
import { problem } from '@/server/problems';
import { logger } from '@/server/logger';
import { Semaphore } from '@/server/services/attachments/semaphore';
import type { StagedFile } from '@/server/storage/attachment-store';

/**
 * The attachment image pipeline (api-contract §4.3): JPEG and PNG uploads are oriented by their EXIF tag,
 * fitted inside the configured box without enlarging, and re-encoded in the same format at the configured
 * level. Decoding reads from the staged file, never from memory, behind a pixel limit and a concurrency limit.
 */

export type ImageOptions = Config['attachments'];

export interface ProcessedImage {
  file: StagedFile;
  contentType: 'image/jpeg' | 'image/png';
}

type StageOutput = (write: (path: string) => Promise<void>) => Promise<StagedFile>;

let sharpLoading: Promise<typeof sharpModule> | undefined;

/** sharp and libvips load with the first image, not at start: a server that never sees a photo saves ~19 MB. */
function loadSharp(): Promise<typeof sharpModule> {
  sharpLoading ??= import('sharp').then(({ default: sharp }) => {
    // Every upload is a different file: sharp's operation cache would only hold memory.
    sharp.cache(false);
    return sharp;
  });
  return sharpLoading;
}

let slots: Semaphore | undefined;

function processingSlots(size: number): Semaphore {
  if (slots?.size !== size) slots = new Semaphore(size);
  return slots;
}

export const imageTooLarge = () => problem('attachment.image_too_large');

/** JPEG quality 95 at level 0 down to 45 at level 10. */
export function jpegQuality(level: number): number {
  return 95 - 5 * Math.min(10, Math.max(0, level));
}

/** The zlib levels of Go's png encoder: best compression, default, best speed. */
export function pngCompressionLevel(level: number): number {
  if (level >= 8) return 9;
  if (level >= 4) return 6;
  if (level >= 1) return 1;
  return 6;
}

/**
 * The type that decides processing: the part's declared type without parameters. busboy reports a part that
 * declares nothing as text/plain, so for that (and for nothing at all) the file's first bytes decide.
 */
export async function decisionContentType(declared: string | undefined, file: string): Promise<string> {
  const type = declared?.split(';')[0].trim().toLowerCase() ?? '';
  if (type !== '' && type !== 'text/plain') return type;
  return (await sniffImageType(file)) ?? (type || 'application/octet-stream');
}

async function sniffImageType(file: string): Promise<string | undefined> {
  const handle = await fsp.open(file, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(8), 0, 8, 0);
    const head = buffer.subarray(0, bytesRead);
    if (head.subarray(0, 3).equals(Buffer.from([0xff, 0xd8, 0xff]))) return 'image/jpeg';
    if (head.equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
    return undefined;
  } finally {
    await handle.close();
  }
}

function processingEnabled(options: ImageOptions): boolean {
  return (
    options.compressionLevel > 0 || options.maxWidthPx > 0 || options.maxHeightPx > 0 || options.applyExifOrientation
  );
}

/**
 * Re-encodes `input` into a new staged file when the settings ask for a change; undefined when the upload is
 * not a JPEG/PNG or nothing would change. Throws 413 when the decoded image would exceed the limits. An image
 * libvips cannot decode is kept as sent.
 */
export async function processImage(
  input: StagedFile,
  contentType: string,
  stageOutput: StageOutput,
  options: ImageOptions = getConfig().attachments,
): Promise<ProcessedImage | undefined> {
  if (!processingEnabled(options)) return undefined;
  if (!contentType.startsWith('image/jpeg') && !contentType.startsWith('image/png')) return undefined;
  return processingSlots(options.maxConcurrentImageProcessing).run(() => reencode(input, stageOutput, options));
}

async function reencode(
  input: StagedFile,
  stageOutput: StageOutput,
  options: ImageOptions,
): Promise<ProcessedImage | undefined> {
  // The header alone, without sharp's pixel limit (which would fail it like a broken file): the limits are
  // checked right below, and the decode itself runs with the limit.
  const sharp = await loadSharp();
  const metadata = await sharp(input.path, { limitInputPixels: false })
    .metadata()
    .catch(() => undefined);
  if (metadata?.format !== 'jpeg' && metadata?.format !== 'png') return undefined;
  const { width, height } = metadata;
  if (
    width > options.maxDecodedDimensionPx ||
    height > options.maxDecodedDimensionPx ||
    width * height > options.maxDecodedPixels
  ) {
    throw imageTooLarge();
  }

  const orientation = options.applyExifOrientation ? (metadata.orientation ?? 1) : 1;
  const reorient = orientation >= 2 && orientation <= 8;
  // Orientations 5–8 swap the axes.
  const [orientedWidth, orientedHeight] = orientation >= 5 && reorient ? [height, width] : [width, height];
  const resize = exceedsBox(orientedWidth, orientedHeight, options);
  if (options.compressionLevel === 0 && !reorient && !resize) return undefined;

  let encoder = sharp(input.path, { limitInputPixels: options.maxDecodedPixels });
  if (reorient) encoder = encoder.autoOrient();
  if (resize) {
    encoder = encoder.resize({
      width: options.maxWidthPx || undefined,
      height: options.maxHeightPx || undefined,
      fit: 'inside',
      withoutEnlargement: true,
      kernel: 'cubic', // Catmull-Rom, as upstream
    });
  }
  encoder =
    metadata.format === 'jpeg'
      ? encoder.jpeg({ quality: jpegQuality(options.compressionLevel) })
      : encoder.png({ compressionLevel: pngCompressionLevel(options.compressionLevel) });
  try {
    const file = await stageOutput(async (path) => {
      await encoder.toFile(path);
    });
    return { file, contentType: metadata.format === 'jpeg' ? 'image/jpeg' : 'image/png' };
  } catch (err) {
    logger.warn('image could not be re-encoded; keeping the upload as sent', { error: (err as Error).message });
    return undefined;
  }
}

function exceedsBox(width: number, height: number, options: ImageOptions): boolean {
  return (
    (options.maxWidthPx > 0 && width > options.maxWidthPx) || (options.maxHeightPx > 0 && height > options.maxHeightPx)
  );
}
