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
  type SourceWarning,
} from '@mega-crm/core';
import { type FeedEntry, type FeedPosition, FeedReader, type FeedReaderOptions } from './feed-reader.js';
import { clientLoader, spouseLoader } from './loaders/agents.js';
import { type EntityLoader, type LoaderContext, loaderContext, ORG_COLUMNS } from './loaders/context.js';
import { contractLoader } from './loaders/contracts.js';
import { occurrenceLoader } from './loaders/occurrences.js';
import { prospectLoader } from './loaders/prospects.js';
import { type PollOptions, type PollPositions, PollReader } from './poll-reader.js';
import type { FeedEntity } from './schema/feed.js';
import { isOptionalTable, type MegaSchema, type MegaSchemaOverrides, resolveMegaSchema } from './schema/overrides.js';
import { missingTableWarning, probeTables, schemaCheckedDriver } from './schema/probe.js';
import { NO_SCHEMAS, type SchemaMapping, STANDARD_SCHEMAS, type TableName } from './schema/tables.js';
import { resolveScope, type ScopeConfig } from './scope.js';
import { enterpriseKeys, loadKeys, noKeys, occurrenceTypeKeys } from './scope-changes.js';
import { keysIn, type SqlDriver } from './sql/driver.js';

export interface MegaSourceOptions {
  readonly sql: SqlDriver;
  /** Default: no prefix on SQLite, the standard MGGLO/MGCAR/MGDBM/MGCMR/MGCUSTOM schemas elsewhere. */
  readonly schemas?: SchemaMapping;
  /**
   * The real names of tables and columns where your Mega differs from the SDK's (GUESS names in
   * particular), by the SDK's names: `{ GLO_AGENTES_TELEFONE: { name: 'GLO_FONES', columns: { TEA_ST_TELEFONE: 'TEA_ST_FONE' } } }`.
   * Validated at construction (an unknown table or column is named, with the valid ones).
   */
  readonly schema?: MegaSchemaOverrides;
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
/**
 * A scope change still being expanded (an enterprise flagged, an occurrence type integrated): the
 * records it brings in are read a page at a time, after `after` (keyset), before the feed moves on.
 */
type Expansion = { scope: 'enterprise'; key: unknown[]; after: unknown[] | null } | { scope: 'occurrence-type'; key: string; after: unknown[] | null };
type Cursor = ({ v: 2; mode: 'scan'; entity: number; after: unknown[] | null } & Position) | ({ v: 2; mode: 'feed'; expand?: Expansion[] } & Position);

/** What a source reads unless told otherwise: pre-sales prospects are opt-in. */
const POST_SALES: readonly EntityName[] = ['spouse', 'client', 'contract', 'occurrence'];

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
  readonly #sql: SqlDriver;
  #schema: MegaSchema;
  /** The tables this source reads (probed once), with the feed table when it follows the outbox. */
  readonly #tables: readonly TableName[];
  #probed: Promise<readonly SourceWarning[]> | undefined;

  constructor(options: MegaSourceOptions) {
    this.id = options.id ?? 'mega';
    const schemas = options.schemas ?? (options.sql.dialect === 'sqlite' ? NO_SCHEMAS : STANDARD_SCHEMAS);
    this.#schema = resolveMegaSchema(schemas, options.schema, options.sql.dialect);
    const scope = resolveScope(options.scope);
    const wanted = new Set<EntityName>(options.entities ?? POST_SALES);
    this.#tables = [...new Set(ENTITIES.filter((e) => wanted.has(e)).flatMap((e) => TABLES_READ[e]))];
    this.#sql = options.sql;
    const sql = schemaCheckedDriver(
      options.sql,
      () => this.#schema,
      () => this.#tables,
    );
    const ctx = loaderContext(sql, () => this.#schema, scope, checkedCharset(options.crmCharset));
    this.#ctx = ctx;
    const all: Record<EntityName, EntityLoader> = {
      spouse: spouseLoader(ctx),
      client: clientLoader(ctx),
      contract: contractLoader(ctx),
      occurrence: occurrenceLoader(ctx),
      prospect: prospectLoader(ctx),
    };
    this.#loaders = ENTITIES.filter((e) => wanted.has(e)).map((e) => all[e]);
    this.#byEntity = new Map(this.#loaders.map((l) => [l.entity, l]));
    this.#feed = new FeedReader(ctx, options.feed);
    this.#poll = options.changes === 'timestamps' ? new PollReader(ctx, polledEntities(this.#loaders), checkedPoll(options.poll)) : undefined;
  }

  /**
   * Once per source (again after a failure): which of the tables read exist. A missing optional one
   * is read as empty from then on, with a warning each run; a missing required one (or the feed
   * table, when following it) is a MEGA_SCHEMA_MISMATCH configuration error.
   */
  #probe(): Promise<readonly SourceWarning[]> {
    this.#probed ??= (async () => {
      const tables: Array<TableName | 'MEGACRM_FEED'> = [...this.#tables, ...(this.#poll ? [] : ['MEGACRM_FEED' as const])];
      const missing = await probeTables(this.#sql, this.#schema, tables, isOptionalTable);
      this.#schema = this.#schema.withMissing(missing);
      return missing.map((table): SourceWarning => {
        const entity = ENTITIES.find((e) => TABLES_READ[e].includes(table) && this.#byEntity.has(e)) ?? 'client';
        return { entity, ...missingTableWarning(this.#schema, table) };
      });
    })().catch((error: unknown) => {
      this.#probed = undefined;
      throw error;
    });
    return this.#probed;
  }

  async #head(): Promise<Position> {
    return this.#poll ? { poll: await this.#poll.head() } : { feed: await this.#feed.head() };
  }

  async read(cursorText: string | null, { limit }: { readonly limit: number }): Promise<ChangeBatch> {
    const warnings = await this.#probe();
    const cursor: Cursor = cursorText ? (JSON.parse(cursorText) as Cursor) : { v: 2, mode: 'scan', entity: 0, after: null, ...(await this.#head()) };
    const batch = await (cursor.mode === 'scan'
      ? this.#scan(cursor, limit)
      : cursor.expand?.length
        ? this.#expand(cursor, cursor.expand, limit)
        : this.#follow(cursor, limit));
    return warnings.length > 0 ? { ...batch, warnings } : batch;
  }

  /** Reads given records again now, whatever the cursor (a targeted resync). */
  async load(entity: EntityName, keys: readonly string[]): Promise<CapturedItem[]> {
    const loader = this.#byEntity.get(entity);
    if (!loader) return [];
    await this.#probe();
    return loader.load(keys);
  }

  /**
   * Keys-only reconciliation, for polling (which cannot see deletes): of the given keys — what the
   * store delivered — those deleted in Mega or out of scope now, as skips with their removal cause.
   * One light query per 500 keys; nothing is mapped. Keys still in scope are not returned.
   */
  async reconcile(entity: EntityName, keys: readonly string[]): Promise<CapturedItem[]> {
    const loader = this.#byEntity.get(entity);
    if (!loader) return [];
    await this.#probe();
    return loader.check(keys);
  }

  /**
   * Everything one enterprise (EST_ST_CODIGO of its 'E' structure) sends, read now, in dependency
   * order: its buyers' spouses and the buyers, its contracts, their occurrences. For a resync after
   * the enterprise was flagged for the CRM, say.
   */
  async loadEnterprise(enterpriseCode: string): Promise<CapturedItem[]> {
    await this.#probe();
    return loadKeys(this.#loaders, (await enterpriseKeys(this.#ctx, { sql: 'e.EST_ST_CODIGO = ?', params: [enterpriseCode] })).keys);
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
      const { items, expand } = await this.#loadEntries(polled.entries);
      return { items, cursor: JSON.stringify(feedCursor({ poll: polled.next }, expand)), hasMore: polled.full || expand.length > 0 };
    }
    const { entries, next, rows } = await this.#feed.read(cursor.feed, limit);
    const { items, expand } = await this.#loadEntries(entries);
    return { items, cursor: JSON.stringify(feedCursor({ feed: next }, expand)), hasMore: rows === limit || expand.length > 0 };
  }

  /**
   * Loads the feed's records. Scope changes (a flag set or cleared) are not expanded here: they are
   * returned, to be expanded by later reads a bounded page at a time (a large enterprise brings in
   * tens of thousands of records, which one read must not hold at once).
   */
  async #loadEntries(entries: readonly FeedEntry[]): Promise<{ items: CapturedItem[]; expand: Expansion[] }> {
    const direct = noKeys();
    const expand: Expansion[] = [];
    const seen = new Set<string>();
    for (const { entity, key } of entries) {
      if (entity === 'enterprise' || entity === 'occurrence-type') {
        if (seen.has(`${entity}:${key}`)) continue;
        seen.add(`${entity}:${key}`);
        if (entity === 'enterprise') expand.push({ scope: 'enterprise', key: key.split('-').map((part, i) => (i === 3 ? part : Number(part))), after: null });
        else if (this.#byEntity.has('occurrence')) expand.push({ scope: 'occurrence-type', key, after: null });
      } else direct[entity].add(key);
    }
    return { items: await loadKeys(this.#loaders, direct, direct), expand };
  }

  /** One page of the first pending scope change: at most `limit` contracts (enterprise) or occurrences (type), and what they bring. */
  async #expand(cursor: Extract<Cursor, { mode: 'feed' }>, pending: readonly Expansion[], limit: number): Promise<ChangeBatch> {
    const [head, ...rest] = pending as [Expansion, ...Expansion[]];
    const page =
      head.scope === 'enterprise'
        ? await enterpriseKeys(this.#ctx, keysIn([...ORG_COLUMNS.map((c) => `e.${c}`), 'e.EST_IN_CODIGO'], [head.key]), noKeys(), { after: head.after, limit })
        : await occurrenceTypeKeys(this.#ctx, head.key, { after: head.after, limit });
    const expand = page.count === limit && page.last ? [{ ...head, after: page.last }, ...rest] : rest;
    const { expand: _done, ...position } = cursor;
    return { items: await loadKeys(this.#loaders, page.keys), cursor: JSON.stringify(feedCursor(position, expand)), hasMore: true };
  }
}

function feedCursor(position: Position, expand: readonly Expansion[]): Cursor {
  const { v: _v, mode: _mode, ...where } = position as Position & { v?: number; mode?: string };
  return { v: 2, mode: 'feed', ...where, ...(expand.length > 0 ? { expand: [...expand] } : {}) } as Cursor;
}

/** The tables each entity's reads touch, scope joins included (probed before the first read). */
const SCOPE_TABLES: readonly TableName[] = ['CAR_CONTRATO_CLIENTE', 'CAR_CONTRATO_ENVOLVIDO', 'DBM_UNIDADE', 'DBM_ESTRUTURA'];
const TABLES_READ: Readonly<Record<EntityName, readonly TableName[]>> = {
  spouse: ['GLO_PESSOA_FISICA', 'GLO_AGENTES', 'GLO_AGENTES_ID', ...SCOPE_TABLES],
  client: ['GLO_AGENTES', 'GLO_PESSOA_FISICA', 'GLO_AGENTES_ID', 'GLO_AGENTES_TELEFONE', ...SCOPE_TABLES],
  contract: ['CAR_CONTRATO', ...SCOPE_TABLES],
  occurrence: ['DBM_GERAOCORRENCIA', 'DBM_OCORRENCIACONTRATO', 'DBM_TIPOOCORRENCIA', ...SCOPE_TABLES],
  prospect: ['CMR_PROSPECT', 'GLO_AGENTES_ID'],
};

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
