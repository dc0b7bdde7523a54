import { parseArgs } from 'node:util';
import { backup } from '@/server/backup/archive';

/** `npm run backup -- --out FILE`: one archive of the database and the file store, while the server serves. */
async function main(): Promise<void> {
  const { values } = parseArgs({ options: { out: { type: 'string' } } });
  const out = values.out ?? `synkronus-backup-${new Date().toISOString().replace(/[:.]/g, '-')}.tar.gz`;
  const manifest = await backup(out);
  console.log(
    `backup written to ${out} (${manifest.tables.length} tables, files: ${manifest.files.join(', ') || 'none'})`,
  );
}

main().catch((err: Error) => {
  console.error(`backup failed: ${err.message}`);
  process.exit(1);
});
