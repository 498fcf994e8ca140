import {
  type CapturedItem,
  type ChangeBatch,
  type ChangeSource,
  type CharsetPolicy,
  ConfigurationError,
  CRM_CHARSETS,
  DEFAULT_CHARSET_POLICY,
  ENTITIES,
  type EntityName,
} from '@mega-crm/core';
import { type FeedEntry, type FeedPosition, FeedReader, type FeedReaderOptions } from './feed-reader.js';
import { clientLoader, spouseLoader } from './loaders/agents.js';
import { type EntityLoader, inChunks, type LoaderContext, loaderContext, ORG_COLUMNS } from './loaders/context.js';
import { contractLoader } from './loaders/contracts.js';
import { occurrenceLoader } from './loaders/occurrences.js';
import { prospectLoader } from './loaders/prospects.js';
import { type PollOptions, type PollPositions, PollReader } from './poll-reader.js';
import type { FeedEntity } from './schema/feed.js';
import { NO_SCHEMAS, type SchemaMapping, STANDARD_SCHEMAS } from './schema/tables.js';
import { resolveScope, type ScopeConfig } from './scope.js';
import { enterpriseKeys, loadKeys, noKeys, occurrenceTypeKeys } from './scope-changes.js';
import { keysIn, type SqlDriver } from './sql/driver.js';

export interface MegaSourceOptions {
  readonly sql: SqlDriver;
  /** Default: no prefix on SQLite, the standard MGGLO/MGCAR/MGDBM/MGCMR/MGCUSTOM schemas elsewhere. */
  readonly schemas?: SchemaMapping;
  readonly scope?: Partial<ScopeConfig>;
  /**
   * Entities to read, always in dependency order (spouse → client → contract → occurrence), then
   * prospects. Default: the four post-sales entities; add `'prospect'` (or pass core's `ENTITIES`) to
   * send Mega's pre-sales prospects (CMR_PROSPECT) too, once the CRM has the prospect operations.
   */
  readonly entities?: readonly EntityName[];
  readonly feed?: FeedReaderOptions;
  /**
   * How changes are found after the first full scan: `'outbox'` (default), the MEGACRM_FEED table the
   * triggers fill; or `'timestamps'`, polling the change-time columns, for installs without triggers
   * (deletes are then not seen: reconcile with `scopeKeys()`).
   */
  readonly changes?: 'outbox' | 'timestamps';
  /** Timestamp polling: the lag window re-read each run so late commits are not lost (`lagSeconds`, default 60). */
  readonly poll?: PollOptions;
  /**
   * Text the CRM's charset cannot hold: default `{ charset: 'ISO-8859-1', onUnrepresentable: 'transliterate' }`
   * (NuSOAP's charset; closest Latin-1 text, a counted warning per field); `'error'` refuses the record
   * with TEXT_NOT_IN_CHARSET; `charset: 'UTF-8'` for a CRM that holds any text.
   */
  readonly crmCharset?: Partial<CharsetPolicy>;
  /** Name of this source's cursor in the store. Default `mega`. */
  readonly id?: string;
}

type Position = { feed: FeedPosition } | { poll: PollPositions };

/** What a source reads unless told otherwise: pre-sales prospects are opt-in. */
const POST_SALES: readonly EntityName[] = ['spouse', 'client', 'contract', 'occurrence'];
type Cursor = ({ v: 2; mode: 'scan'; entity: number; after: unknown[] | null } & Position) | ({ v: 2; mode: 'feed' } & Position);

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
  readonly #poll: PollReader | undefined;
  readonly #ctx: LoaderContext;

  constructor(options: MegaSourceOptions) {
    this.id = options.id ?? 'mega';
    const schemas = options.schemas ?? (options.sql.dialect === 'sqlite' ? NO_SCHEMAS : STANDARD_SCHEMAS);
    const ctx = loaderContext(options.sql, schemas, resolveScope(options.scope), checkedCharset(options.crmCharset));
    this.#ctx = ctx;
    const all: Record<EntityName, EntityLoader> = {
      spouse: spouseLoader(ctx),
      client: clientLoader(ctx),
      contract: contractLoader(ctx),
      occurrence: occurrenceLoader(ctx),
      prospect: prospectLoader(ctx),
    };
    const wanted = new Set<EntityName>(options.entities ?? POST_SALES);
    this.#loaders = ENTITIES.filter((e) => wanted.has(e)).map((e) => all[e]);
    this.#byEntity = new Map(this.#loaders.map((l) => [l.entity, l]));
    this.#feed = new FeedReader(ctx, options.feed);
    this.#poll = options.changes === 'timestamps' ? new PollReader(ctx, polledEntities(this.#loaders), checkedPoll(options.poll)) : undefined;
  }

  async #head(): Promise<Position> {
    return this.#poll ? { poll: await this.#poll.head() } : { feed: await this.#feed.head() };
  }

  async read(cursorText: string | null, { limit }: { readonly limit: number }): Promise<ChangeBatch> {
    const cursor: Cursor = cursorText ? (JSON.parse(cursorText) as Cursor) : { v: 2, mode: 'scan', entity: 0, after: null, ...(await this.#head()) };
    return cursor.mode === 'scan' ? this.#scan(cursor, limit) : this.#follow(cursor, limit);
  }

  /** Reads given records again now, whatever the cursor (a targeted resync). */
  async load(entity: EntityName, keys: readonly string[]): Promise<CapturedItem[]> {
    const loader = this.#byEntity.get(entity);
    return loader ? loader.load(keys) : [];
  }

  /**
   * Keys-only reconciliation, for polling (which cannot see deletes): of the given keys — what the
   * store delivered — those deleted in Mega or out of scope now, as skips with their removal cause.
   * One light query per 500 keys; nothing is mapped. Keys still in scope are not returned.
   */
  async reconcile(entity: EntityName, keys: readonly string[]): Promise<CapturedItem[]> {
    const loader = this.#byEntity.get(entity);
    return loader ? loader.check(keys) : [];
  }

  /**
   * Everything one enterprise (EST_ST_CODIGO of its 'E' structure) sends, read now, in dependency
   * order: its buyers' spouses and the buyers, its contracts, their occurrences. For a resync after
   * the enterprise was flagged for the CRM, say.
   */
  async loadEnterprise(enterpriseCode: string): Promise<CapturedItem[]> {
    return loadKeys(this.#loaders, await enterpriseKeys(this.#ctx, { sql: 'e.EST_ST_CODIGO = ?', params: [enterpriseCode] }));
  }

  async #scan(cursor: Extract<Cursor, { mode: 'scan' }>, limit: number): Promise<ChangeBatch> {
    const loader = this.#loaders[cursor.entity];
    const { v: _v, mode: _mode, entity: _entity, after: _after, ...position } = cursor;
    if (!loader) return { items: [], cursor: JSON.stringify({ v: 2, mode: 'feed', ...position } satisfies Cursor), hasMore: true };
    const page = await loader.scan(cursor.after, limit);
    const next: Cursor =
      page.count < limit || !page.last
        ? { v: 2, mode: 'scan', entity: cursor.entity + 1, after: null, ...position }
        : { v: 2, mode: 'scan', entity: cursor.entity, after: page.last, ...position };
    return { items: page.items, cursor: JSON.stringify(next), hasMore: true };
  }

  async #follow(cursor: Extract<Cursor, { mode: 'feed' }>, limit: number): Promise<ChangeBatch> {
    if ('poll' in cursor) {
      if (!this.#poll) throw new TypeError('The stored cursor is for timestamp polling; this source reads the outbox (option `changes`).');
      const polled = await this.#poll.read(cursor.poll, limit);
      return {
        items: await this.#loadEntries(polled.entries),
        cursor: JSON.stringify({ v: 2, mode: 'feed', poll: polled.next } satisfies Cursor),
        hasMore: polled.full,
      };
    }
    const { entries, next, rows } = await this.#feed.read(cursor.feed, limit);
    return { items: await this.#loadEntries(entries), cursor: JSON.stringify({ v: 2, mode: 'feed', feed: next } satisfies Cursor), hasMore: rows === limit };
  }

  /** Loads the feed's records; scope changes (a flag set or cleared) are expanded into the records they cover. */
  async #loadEntries(entries: readonly FeedEntry[]): Promise<CapturedItem[]> {
    const direct = noKeys();
    const enterprises: unknown[][] = [];
    const types: string[] = [];
    for (const { entity, key } of entries) {
      if (entity === 'enterprise') enterprises.push(key.split('-').map((part, i) => (i === 3 ? part : Number(part))));
      else if (entity === 'occurrence-type') types.push(key);
      else direct[entity].add(key);
    }
    const wanted = noKeys();
    for (const entity of ENTITIES) for (const key of direct[entity]) wanted[entity].add(key);
    if (enterprises.length > 0) {
      await inChunks(enterprises, async (chunk) => {
        await enterpriseKeys(this.#ctx, keysIn([...ORG_COLUMNS.map((c) => `e.${c}`), 'e.EST_IN_CODIGO'], chunk), wanted);
        return [];
      });
    }
    if (types.length > 0) await occurrenceTypeKeys(this.#ctx, types, wanted);
    return loadKeys(this.#loaders, wanted, direct);
  }
}

function checkedPoll(poll: PollOptions | undefined): PollOptions {
  const lag = poll?.lagSeconds;
  const unknown = Object.keys(poll ?? {}).filter((k) => k !== 'lagSeconds');
  if (unknown.length > 0 || (lag !== undefined && !(Number.isFinite(lag) && lag >= 0))) {
    throw new ConfigurationError(
      `Invalid poll options: ${unknown.length ? `unknown ${unknown.join(', ')} (allowed: lagSeconds)` : 'lagSeconds must be a number ≥ 0'}.`,
      {
        code: 'CONFIG_INVALID',
        fix: {
          en: 'Give poll as { lagSeconds: 60 }, above your longest Mega transaction.',
          pt: 'Informe poll como { lagSeconds: 60 }, acima da transação mais longa do Mega.',
        },
      },
    );
  }
  return poll ?? {};
}

/** The entities polling reads: the loaders', and the scope flags that can bring their records in. */
function polledEntities(loaders: readonly EntityLoader[]): Set<FeedEntity> {
  const out = new Set<FeedEntity>(loaders.map((l) => l.entity));
  if (out.size > 0) out.add('enterprise');
  if (out.has('occurrence')) out.add('occurrence-type');
  return out;
}

function checkedCharset(input: Partial<CharsetPolicy> | undefined): CharsetPolicy {
  const policy = { ...DEFAULT_CHARSET_POLICY, ...input };
  const unknown = Object.keys(input ?? {}).filter((k) => k !== 'charset' && k !== 'onUnrepresentable');
  if (unknown.length > 0 || !CRM_CHARSETS.includes(policy.charset) || !['transliterate', 'error'].includes(policy.onUnrepresentable)) {
    throw new ConfigurationError(
      `Invalid crmCharset: ${unknown.length ? `unknown ${unknown.join(', ')} (allowed: charset, onUnrepresentable)` : `charset must be ${CRM_CHARSETS.join(' or ')}, onUnrepresentable 'transliterate' or 'error'`}.`,
      {
        code: 'CONFIG_INVALID',
        fix: {
          en: "Give crmCharset as { charset: 'ISO-8859-1' | 'UTF-8', onUnrepresentable: 'transliterate' | 'error' }.",
          pt: "Informe crmCharset como { charset: 'ISO-8859-1' | 'UTF-8', onUnrepresentable: 'transliterate' | 'error' }.",
        },
      },
    );
  }
  return policy;
}
