import pg from 'pg';

const openConnections = new WeakMap<pg.Pool, Set<Promise<void>>>();

/** A `pg` pool whose connections connectionsClosed can wait for. */
export function createPool(config: pg.PoolConfig): pg.Pool {
  const pool = new pg.Pool(config);
  const open = new Set<Promise<void>>();
  openConnections.set(pool, open);
  pool.on('connect', (client) => {
    const closed = new Promise<void>((resolve) => client.once('end', () => resolve()));
    open.add(closed);
    void closed.then(() => open.delete(closed));
  });
  return pool;
}

/**
 * Resolves once every connection of an ended pool is closed. pg-pool's end() resolves when it has asked them to
 * close: the shutdown stopped the embedded database straight after, and a connection still closing then got
 * "terminating connection due to administrator command", logged as a failure.
 */
export async function connectionsClosed(pool: pg.Pool): Promise<void> {
  await Promise.all(openConnections.get(pool) ?? []);
}
