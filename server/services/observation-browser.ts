import {
  ObservationBrowserRepository,
  type BrowserFilter,
  type MapPoint,
} from '@/server/db/repositories/observation-browser';
import { RepositoryStateRepository } from '@/server/db/repositories/repository-state';

/** More points than a browser map shows usefully at once; the map says when it shows only the newest ones. */
export const MAP_POINT_LIMIT = 50_000;
/** However many consoles watch for changes, the change counter is read at most once per this many ms. */
const COUNTER_READ_INTERVAL_MS = 1000;

export interface ChangeMark {
  changeVersion: number;
  repositoryGeneration: number;
}

let lastRead: { at: number; mark: Promise<ChangeMark> } | undefined;

/** The console's observation browser, its map, and the mark of the newest change for live updates. */
export class ObservationBrowserService {
  constructor(private readonly observations = new ObservationBrowserRepository()) {}

  async page(input: BrowserFilter & { page: number; pageSize: number }) {
    const { items, total } = await this.observations.page(input, {
      skip: (input.page - 1) * input.pageSize,
      take: input.pageSize,
    });
    return {
      total,
      items: items.map((item) => ({
        ...item,
        createdAt: item.createdAt.toISOString(),
        updatedAt: item.updatedAt.toISOString(),
        version: Number(item.version),
      })),
    };
  }

  async mapPoints(filter: BrowserFilter): Promise<{ points: MapPoint[]; truncated: boolean }> {
    const points = await this.observations.mapPoints(filter, MAP_POINT_LIMIT + 1);
    return { points: points.slice(0, MAP_POINT_LIMIT), truncated: points.length > MAP_POINT_LIMIT };
  }

  /** Shared by every caller within COUNTER_READ_INTERVAL_MS (a failed read is not kept). */
  latestChange(): Promise<ChangeMark> {
    const now = Date.now();
    if (!lastRead || now - lastRead.at >= COUNTER_READ_INTERVAL_MS) {
      const mark = new RepositoryStateRepository().readCounter().then((counter) => ({
        changeVersion: Number(counter.currentVersion),
        repositoryGeneration: Number(counter.repositoryGeneration),
      }));
      const read = { at: now, mark };
      mark.catch(() => {
        if (lastRead === read) lastRead = undefined;
      });
      lastRead = read;
    }
    return lastRead.mark;
  }
}
