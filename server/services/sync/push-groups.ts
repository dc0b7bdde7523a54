import { SyncRepository, type GroupedPush, type GroupedPushResult } from '@/server/db/repositories/sync';

/**
 * Group commit of concurrent pushes. Every push holds the change counter's row lock until its transaction commits
 * (that is what keeps versions visible in order, see sync_push_group), so pushes one transaction each would run
 * one after another, each waiting for its own commit. Instead, the pushes that arrive while one group is being
 * written wait together and go to the database as the next group: one statement, one lock, one commit for all of
 * them, each push still all-or-nothing in its own subtransaction. One group at a time per process; groups of two
 * processes serialise on the lock.
 */

const MAX_GROUP_PUSHES = 64;
/** A group stops growing past this many JSON bytes (one large push still goes alone). */
const MAX_GROUP_BYTES = 4 * 1024 * 1024;

interface Waiting {
  push: GroupedPush;
  bytes: number;
  resolve(result: GroupedPushResult): void;
  reject(err: Error): void;
}

export class PushGroups {
  private queue: Waiting[] = [];
  private writing = false;

  constructor(private readonly sync = new SyncRepository()) {}

  submit(push: GroupedPush, bytes: number): Promise<GroupedPushResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ push, bytes, resolve, reject });
      if (!this.writing) void this.writeGroups();
    });
  }

  private async writeGroups(): Promise<void> {
    this.writing = true;
    try {
      while (this.queue.length > 0) {
        const group = this.nextGroup();
        try {
          await this.write(group);
        } catch {
          // The statement failed as a whole (a lost connection, a value PostgreSQL refuses): one push must not fail
          // the others, so each is tried alone and only the one at fault fails.
          for (const waiting of group) await this.write([waiting]).catch((err: Error) => waiting.reject(err));
        }
      }
    } finally {
      this.writing = false;
    }
  }

  private async write(group: Waiting[]): Promise<void> {
    const results = await this.sync.pushGroup(group.map((waiting) => waiting.push));
    group.forEach((waiting, i) => waiting.resolve(results[i]));
  }

  private nextGroup(): Waiting[] {
    let bytes = 0;
    let count = 0;
    while (
      count < this.queue.length &&
      count < MAX_GROUP_PUSHES &&
      (count === 0 || bytes + this.queue[count].bytes <= MAX_GROUP_BYTES)
    ) {
      bytes += this.queue[count].bytes;
      count += 1;
    }
    return this.queue.splice(0, count);
  }
}

let shared: PushGroups | undefined;

/** The group writer of this module copy (README, "One process, two module copies"); the REST API is its one user. */
export function pushGroups(): PushGroups {
  shared ??= new PushGroups();
  return shared;
}
