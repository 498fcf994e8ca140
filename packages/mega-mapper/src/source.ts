import { type CapturedItem, type ChangeBatch, type ChangeSource, ENTITIES, type EntityName } from '@mega-crm/core';
import { type FeedPosition, FeedReader, type FeedReaderOptions } from './feed-reader.js';
import { clientLoader, spouseLoader } from './loaders/agents.js';
import type { EntityLoader } from './loaders/context.js';
import { loaderContext } from './loaders/context.js';
import { contractLoader } from './loaders/contracts.js';
import { occurrenceLoader } from './loaders/occurrences.js';
import { NO_SCHEMAS, type SchemaMapping, STANDARD_SCHEMAS } from './schema/tables.js';
import { resolveScope, type ScopeConfig } from './scope.js';
import type { SqlDriver } from './sql/driver.js';

export interface MegaSourceOptions {
  readonly sql: SqlDriver;
  /** Default: no prefix on SQLite, the standard MGGLO/MGCAR/MGDBM/MGCUSTOM schemas elsewhere. */
  readonly schemas?: SchemaMapping;
  readonly scope?: Partial<ScopeConfig>;
  /** Entities to read, always in dependency order (spouse → client → contract → occurrence). */
  readonly entities?: readonly EntityName[];
  readonly feed?: FeedReaderOptions;
  /** Name of this source's cursor in the store. Default `mega`. */
  readonly id?: string;
}

type Cursor = { v: 2; mode: 'scan'; entity: number; after: unknown[] | null; feed: FeedPosition } | { v: 2; mode: 'feed'; feed: FeedPosition };

/**
 * Mega as a ChangeSource. The first read (no cursor) starts a full scan of every entity in key
 * order, remembering the feed position taken before it began; then it follows MEGACRM_FEED, so a
 * change committed during the scan is read again, never missed (the store's hash drops repeats).
 */
export class MegaSource implements ChangeSource {
  readonly id: string;
  readonly #loaders: EntityLoader[];
  readonly #byEntity: Map<EntityName, EntityLoader>;
  readonly #feed: FeedReader;

  constructor(options: MegaSourceOptions) {
    this.id = options.id ?? 'mega';
    const schemas = options.schemas ?? (options.sql.dialect === 'sqlite' ? NO_SCHEMAS : STANDARD_SCHEMAS);
    const ctx = loaderContext(options.sql, schemas, resolveScope(options.scope));
    const all: Record<EntityName, EntityLoader> = {
      spouse: spouseLoader(ctx),
      client: clientLoader(ctx),
      contract: contractLoader(ctx),
      occurrence: occurrenceLoader(ctx),
    };
    const wanted = new Set(options.entities ?? ENTITIES);
    this.#loaders = ENTITIES.filter((e) => wanted.has(e)).map((e) => all[e]);
    this.#byEntity = new Map(this.#loaders.map((l) => [l.entity, l]));
    this.#feed = new FeedReader(ctx, options.feed);
  }

  async read(cursorText: string | null, { limit }: { readonly limit: number }): Promise<ChangeBatch> {
    const cursor: Cursor = cursorText ? (JSON.parse(cursorText) as Cursor) : { v: 2, mode: 'scan', entity: 0, after: null, feed: await this.#feed.head() };
    return cursor.mode === 'scan' ? this.#scan(cursor, limit) : this.#follow(cursor, limit);
  }

  /** Reads given records again now, whatever the cursor (a targeted resync). */
  async load(entity: EntityName, keys: readonly string[]): Promise<CapturedItem[]> {
    const loader = this.#byEntity.get(entity);
    return loader ? loader.load(keys) : [];
  }

  async #scan(cursor: Extract<Cursor, { mode: 'scan' }>, limit: number): Promise<ChangeBatch> {
    const loader = this.#loaders[cursor.entity];
    if (!loader) return { items: [], cursor: JSON.stringify({ v: 2, mode: 'feed', feed: cursor.feed } satisfies Cursor), hasMore: true };
    const page = await loader.scan(cursor.after, limit);
    const next: Cursor =
      page.count < limit || !page.last
        ? { v: 2, mode: 'scan', entity: cursor.entity + 1, after: null, feed: cursor.feed }
        : { v: 2, mode: 'scan', entity: cursor.entity, after: page.last, feed: cursor.feed };
    return { items: page.items, cursor: JSON.stringify(next), hasMore: true };
  }

  async #follow(cursor: Extract<Cursor, { mode: 'feed' }>, limit: number): Promise<ChangeBatch> {
    const { entries, next, rows } = await this.#feed.read(cursor.feed, limit);
    const items: CapturedItem[] = [];
    for (const loader of this.#loaders) {
      const keys = entries.filter((e) => e.entity === loader.entity).map((e) => e.key);
      if (keys.length > 0) items.push(...(await loader.load(keys)));
    }
    return { items, cursor: JSON.stringify({ v: 2, mode: 'feed', feed: next } satisfies Cursor), hasMore: rows === limit };
  }
}
