import { Semaphore } from '@/server/services/attachments/semaphore';

/**
 * The shared upload slots, with a share per client in front of them: a client's uploads past its share wait on
 * its own queue, so they neither hold a shared slot nor stand in line before other clients' uploads.
 */
export class UploadSlots {
  private readonly shared: Semaphore;
  private readonly perClient = new Map<string, { semaphore: Semaphore; users: number }>();

  constructor(
    readonly size: number,
    readonly perClientSize: number,
  ) {
    this.shared = new Semaphore(size);
  }

  async acquire(client: string, signal?: AbortSignal): Promise<() => void> {
    const entry = this.perClient.get(client) ?? { semaphore: new Semaphore(this.perClientSize), users: 0 };
    this.perClient.set(client, entry);
    entry.users++;
    const leave = () => {
      if (--entry.users === 0) this.perClient.delete(client);
    };
    let releaseOwn: (() => void) | undefined;
    try {
      releaseOwn = await entry.semaphore.acquire(signal);
      const releaseShared = await this.shared.acquire(signal);
      return () => {
        releaseShared();
        releaseOwn!();
        leave();
      };
    } catch (err) {
      releaseOwn?.();
      leave();
      throw err;
    }
  }
}
