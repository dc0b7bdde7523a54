import archiver from 'archiver';

/** A valid app bundle zip for tests outside bundles.test.ts: `changes` replaces files (null removes one). */
export async function bundleZip(changes: Record<string, string | Buffer | null> = {}): Promise<Buffer> {
  const schema = {
    type: 'object',
    required: ['core_id'],
    properties: { core_id: { type: 'string' }, name: { type: 'string', 'x-question-type': 'text' } },
  };
  const ui = { type: 'VerticalLayout', elements: [{ type: 'Control', scope: '#/properties/name' }] };
  const files: Record<string, string | Buffer | null> = {
    'app/index.html': '<!doctype html><title>field app</title>',
    'forms/person/schema.json': JSON.stringify(schema),
    'forms/person/ui.json': JSON.stringify(ui),
    ...changes,
  };
  const archive = archiver('zip', { zlib: { level: 9 } });
  const chunks: Buffer[] = [];
  archive.on('data', (chunk: Buffer) => chunks.push(chunk));
  const ended = new Promise((resolve, reject) => {
    archive.on('end', resolve);
    archive.on('error', reject);
  });
  for (const [name, content] of Object.entries(files)) if (content !== null) archive.append(content, { name });
  await archive.finalize();
  await ended;
  return Buffer.concat(chunks);
}

export function bundleForm(zip: Buffer): FormData {
  const form = new FormData();
  form.append('bundle', new Blob([new Uint8Array(zip)], { type: 'application/zip' }), 'bundle.zip');
  return form;
}

export function fileForm(content: Buffer | string, name = 'upload.bin', type = 'application/octet-stream'): FormData {
  const form = new FormData();
  form.append('file', new Blob([typeof content === 'string' ? content : new Uint8Array(content)], { type }), name);
  return form;
}
