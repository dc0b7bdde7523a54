import { PresenceRepository, type PresenceEvent } from '@/server/db/repositories/presence';
import { logger } from '@/server/logger';

/**
 * Presence recording (api-contract §6.5): responses never wait for it. Events go through a bounded queue to a
 * few workers; a full queue drops events. Heartbeats are throttled per (user, client); sync and bundle events
 * bypass the throttle because they carry data versions.
 */

export const HEARTBEAT_INTERVAL_MS = 30_000;
const WRITE_TIMEOUT_MS = 5_000;

export type PresenceWriter = (event: PresenceEvent) => Promise<void>;

export interface PresenceRecorderOptions {
  write?: PresenceWriter;
  queueSize?: number;
  workers?: number;
  throttleMs?: number;
  now?: () => number;
}

export class PresenceRecorder {
  private readonly queue: PresenceEvent[] = [];
  private readonly lastHeartbeat = new Map<string, number>();
  private readonly write: PresenceWriter;
  private readonly queueSize: number;
  private readonly throttleMs: number;
  private readonly now: () => number;
  private idleWorkers: number;
  private readonly drainWaiters: Array<() => void> = [];
  dropped = 0;

  constructor(options: PresenceRecorderOptions = {}) {
    this.write = options.write ?? ((event) => new PresenceRepository().upsert(event));
    this.queueSize = options.queueSize ?? 2048;
    this.idleWorkers = options.workers ?? 2;
    this.throttleMs = options.throttleMs ?? HEARTBEAT_INTERVAL_MS;
    this.now = options.now ?? Date.now;
  }

  /** Any authenticated request; at most one write per (user, client) per throttle interval. */
  heartbeat(username: string, clientId: string, odeVersion: string | null): void {
    const key = `${username}\u0000${clientId}`;
    const now = this.now();
    const last = this.lastHeartbeat.get(key);
    if (last !== undefined && now - last < this.throttleMs) return;
    if (this.lastHeartbeat.size > 100_000) this.pruneThrottle(now);
    this.lastHeartbeat.set(key, now);
    this.enqueue({ username, clientId, seenAt: new Date(now), odeVersion });
  }

  /** Sync and bundle-manifest events, never throttled. */
  record(event: Omit<PresenceEvent, 'seenAt'>): void {
    this.enqueue({ ...event, seenAt: new Date(this.now()) });
  }

  /** Resolves once the queue is empty and no write is running (tests and shutdown). */
  async drain(): Promise<void> {
    if (this.queue.length === 0 && this.busy === 0) return;
    await new Promise<void>((resolve) => this.drainWaiters.push(resolve));
  }

  private busy = 0;

  private enqueue(event: PresenceEvent): void {
    if (this.queue.length >= this.queueSize) {
      this.dropped += 1;
      logger.warn('presence queue full; event dropped', { username: event.username });
      return;
    }
    this.queue.push(event);
    this.startWorker();
  }

  private startWorker(): void {
    if (this.idleWorkers === 0) return;
    this.idleWorkers -= 1;
    this.busy += 1;
    void this.work();
  }

  private async work(): Promise<void> {
    for (let event = this.queue.shift(); event; event = this.queue.shift()) {
      try {
        await withTimeout(this.write(event), WRITE_TIMEOUT_MS);
      } catch (err) {
        logger.warn('presence write failed', { username: event.username, error: (err as Error).message });
      }
    }
    this.idleWorkers += 1;
    this.busy -= 1;
    if (this.busy === 0) this.drainWaiters.splice(0).forEach((resolve) => resolve());
  }

  private pruneThrottle(now: number): void {
    for (const [key, at] of this.lastHeartbeat) if (now - at >= this.throttleMs) this.lastHeartbeat.delete(key);
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const holder = globalThis as unknown as { __synkronusPresence?: PresenceRecorder };

export function presence(): PresenceRecorder {
  holder.__synkronusPresence ??= new PresenceRecorder();
  return holder.__synkronusPresence;
}
