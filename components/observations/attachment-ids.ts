/**
 * Attachments are not linked to observations on the server: Formulus names each file `<GUID>[.ext]` and puts
 * that name in the record's data (clients.md §1.8). So the console finds them by that shape anywhere in `data`.
 */
const ATTACHMENT_NAME = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(\.[a-z0-9]{1,10})?$/i;
const PREVIEWABLE_IMAGE = /\.(jpe?g|png|gif|webp|bmp)$/i;
const IMAGE_TYPES: Record<string, string> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  webp: 'image/webp',
  bmp: 'image/bmp',
};

export function findAttachmentIds(data: unknown, found = new Set<string>()): string[] {
  if (typeof data === 'string') {
    const name = data.split('/').pop() ?? data;
    if (ATTACHMENT_NAME.test(name)) found.add(name);
  } else if (Array.isArray(data)) {
    for (const item of data) findAttachmentIds(item, found);
  } else if (data && typeof data === 'object') {
    for (const value of Object.values(data)) findAttachmentIds(value, found);
  }
  return [...found];
}

/** The image type to show a file as, or undefined for files offered as a download only (SVG never inline). */
export function previewImageType(id: string): string | undefined {
  return PREVIEWABLE_IMAGE.test(id) ? IMAGE_TYPES[id.split('.').pop()!.toLowerCase()] : undefined;
}
