import { parseArgs } from 'node:util';
import { restore } from '@/server/backup/archive';

/** `npm run restore -- FILE`: restores a backup archive into an empty data root (and empty database). */
async function main(): Promise<void> {
  const { positionals } = parseArgs({ allowPositionals: true });
  if (positionals.length !== 1) throw new Error('usage: npm run restore -- <archive.tar.gz>');
  const manifest = await restore(positionals[0]);
  console.log(`restored ${positionals[0]} (taken ${manifest.createdAt}); start the server with the same DATA_DIR`);
}

main().catch((err: Error) => {
  console.error(`restore failed: ${err.message}`);
  process.exit(1);
});
