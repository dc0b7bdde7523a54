import type { AttachmentId } from '@/server/domain/attachments';

/**
 * Attachment ids are client-chosen file names (Formulus: `<uuid>.<ext>`), api-contract §4.1: 1–255 bytes (the
 * width of attachment_operations.attachment_id), `/`-separated segments of [A-Za-z0-9._-], none empty, `.` or `..`.
 * So an id can never be absolute, hold a backslash, or name a file outside the attachment folders.
 */

const MAX_ID_BYTES = 255;
const SEGMENT = /^[A-Za-z0-9._-]+$/;

export function isAttachmentId(value: string): value is AttachmentId {
  if (value.length === 0 || Buffer.byteLength(value) > MAX_ID_BYTES) return false;
  return value.split('/').every((segment) => SEGMENT.test(segment) && segment !== '.' && segment !== '..');
}

/** The id from a raw (percent-encoded) route parameter, or undefined when it is not a valid id. */
export function attachmentIdFromPath(raw: string): AttachmentId | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    return undefined;
  }
  return isAttachmentId(decoded) ? decoded : undefined;
}
