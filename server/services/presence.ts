import { PresenceRepository, type PresenceEvent } from '@/server/db/repositories/presence';
import { logger } from '@/server/logger';

/**
 * Presence recording (api-contract §6.5): responses never wait for it. Events are merged per (user, client) in
 * memory and written together, one statement at most every FLUSH_DELAY_MS: a crowd of syncing devices costs a few
 * writes a second instead of one per request. Heartbeats are throttled per (user, client); sync and bundle events
 * bypass the throttle because they carry data versions. Presence is safe to lose: past `maxPending` clients waiting
 * for a write, new ones are dropped.
 */

export const HEARTBEAT_INTERVAL_MS = 30_000;
const FLUSH_DELAY_MS = 200;
const WRITE_TIMEOUT_MS = 5_000;

export type PresenceWriter = (events: PresenceEvent[]) => Promise<void>;

export interface PresenceRecorderOptions {
  write?: PresenceWriter;
  maxPending?: number;
  throttleMs?: number;
  flushDelayMs?: number;
  now?: () => number;
}

export class PresenceRecorder {
  private pending = new Map<string, PresenceEvent>();
  private readonly lastHeartbeat = new Map<string, number>();
  private readonly write: PresenceWriter;
  private readonly maxPending: number;
  private readonly throttleMs: number;
  private readonly flushDelayMs: number;
  private readonly now: () => number;
  private flushTimer: NodeJS.Timeout | undefined;
  private writing: Promise<void> | undefined;
  private droppedReported = 0;
  dropped = 0;

  constructor(options: PresenceRecorderOptions = {}) {
    this.write = options.write ?? ((events) => new PresenceRepository().upsertMany(events));
    this.maxPending = options.maxPending ?? 10_000;
    this.throttleMs = options.throttleMs ?? HEARTBEAT_INTERVAL_MS;
    this.flushDelayMs = options.flushDelayMs ?? FLUSH_DELAY_MS;
    this.now = options.now ?? Date.now;
  }

  /** Any authenticated request; at most one event per (user, client) per throttle interval. */
  heartbeat(username: string, clientId: string, odeVersion: string | null): void {
    const key = presenceKey(username, clientId);
    const now = this.now();
    const last = this.lastHeartbeat.get(key);
    if (last !== undefined && now - last < this.throttleMs) return;
    if (this.lastHeartbeat.size > 100_000) this.pruneThrottle(now);
    this.lastHeartbeat.set(key, now);
    this.add({ username, clientId, seenAt: new Date(now), odeVersion });
  }

  /** Sync and bundle-manifest events, never throttled. */
  record(event: Omit<PresenceEvent, 'seenAt'>): void {
    this.add({ ...event, seenAt: new Date(this.now()) });
  }

  /** Writes what is pending now and resolves once nothing is left (tests and shutdown). */
  async drain(): Promise<void> {
    while (this.writing || this.pending.size > 0) await (this.writing ?? this.flush());
  }

  private add(event: PresenceEvent): void {
    const key = presenceKey(event.username, event.clientId);
    const earlier = this.pending.get(key);
    if (earlier) {
      this.pending.set(key, merged(earlier, event));
    } else if (this.pending.size >= this.maxPending) {
      this.dropped += 1;
    } else {
      this.pending.set(key, event);
    }
    this.flushTimer ??= setTimeout(() => void this.flush(), this.flushDelayMs);
  }

  private flush(): Promise<void> {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.writing) return this.writing;
    if (this.dropped > this.droppedReported) {
      logger.warn('presence backlog full; events dropped', { dropped: this.dropped - this.droppedReported });
      this.droppedReported = this.dropped;
    }
    const events = [...this.pending.values()];
    if (events.length === 0) return Promise.resolve();
    this.pending = new Map();
    this.writing = withTimeout(this.write(events), WRITE_TIMEOUT_MS)
      .catch((err: Error) => logger.warn('presence write failed', { events: events.length, error: err.message }))
      .finally(() => {
        this.writing = undefined;
        if (this.pending.size > 0) this.flushTimer ??= setTimeout(() => void this.flush(), this.flushDelayMs);
      });
    return this.writing;
  }

  private pruneThrottle(now: number): void {
    for (const [key, at] of this.lastHeartbeat) if (now - at >= this.throttleMs) this.lastHeartbeat.delete(key);
  }
}

const presenceKey = (username: string, clientId: string) => `${username}\u0000${clientId}`;

/** Two events of one client as one, as the upsert would leave the row after both: a later value wins, none keeps. */
function merged(earlier: PresenceEvent, later: PresenceEvent): PresenceEvent {
  return {
    username: later.username,
    clientId: later.clientId,
    seenAt: later.seenAt > earlier.seenAt ? later.seenAt : earlier.seenAt,
    lastDataVersion: later.lastDataVersion ?? earlier.lastDataVersion,
    appBundleVersion: later.appBundleVersion ?? earlier.appBundleVersion,
    odeVersion: later.odeVersion ?? earlier.odeVersion,
  };
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
