/**
 * The profile in effect: the reconstructed defaults of profile.ts with the caller's overrides
 * (`CrmClient.connect({ profile })`) merged over them. Code keeps speaking the default names (the
 * "source" names); only what goes on the wire, or is read from it, uses the live ones.
 */
import { z } from 'zod';
import { AUTH_PARTS, loose, MESSAGE_PATTERNS, OPERATIONS, type OperationKey, REQUIRED_OPERATIONS, RESPONSE_PART, STRUCTS, type StructName } from './profile.js';
import type { ParamType, XsdScalar } from './types.js';

export type AuthPart = (typeof AUTH_PARTS)[number];
export type MessagePatternKey = keyof typeof MESSAGE_PATTERNS;
type ParamName<K extends OperationKey> = (typeof OPERATIONS)[K]['input'][number][0];
type FieldName<S extends StructName> = Extract<(typeof STRUCTS)[number], { name: S }>['fields'][number][0];

/** A parameter's live name, or its name and xsd type. */
export type ParamOverride = string | { readonly name?: string; readonly type?: XsdScalar };

/**
 * Overrides of the reconstructed profile, each keyed by the default (reconstructed) name: an operation
 * by its key (`upsertClient`), a parameter or struct field by its default name, a struct by its default
 * type name. Unknown keys are refused, named.
 */
export interface CrmProfileOverrides {
  /** Live names of the authentication parts every operation sends first. */
  readonly authParts?: { readonly [P in AuthPart]?: string };
  readonly operations?: {
    readonly [K in OperationKey]?: {
      /** The operation's live name (e.g. `IncluirCliente`). */
      readonly name?: string;
      /** Request parts: default name → live name (or `{ name, type }`). */
      readonly params?: { readonly [P in ParamName<K>]?: ParamOverride };
      /** The response message's part (default `return`). */
      readonly response?: string;
    };
  };
  readonly structs?: {
    readonly [S in StructName]?: {
      /** The live complex type name (also the item type of arrays of it). */
      readonly name?: string;
      /** Fields: default name → live name (e.g. `{ mensagem: 'msg' }`). */
      readonly fields?: { readonly [F in FieldName<S>]?: string };
    };
  };
  /** How the CRM's texts are recognised: a regular expression, or its source (accents and case are matched loosely). */
  readonly messagePatterns?: { readonly [K in MessagePatternKey]?: string | RegExp };
}

/** A part or struct field: its live name, live type, and the default name code uses. */
export interface ProfileField<T = ParamType> {
  readonly name: string;
  readonly source: string;
  readonly type: T;
}

export interface ProfileStruct {
  /** Live type name. */
  readonly name: string;
  /** Default type name (as in profile.ts). */
  readonly source: StructName;
  readonly fields: ReadonlyArray<ProfileField<XsdScalar | { readonly arrayOf: string }>>;
}

export interface ProfileOperation {
  readonly key: OperationKey;
  /** Live operation name. */
  readonly name: string;
  readonly doc: string;
  /** Authentication parts first, then the operation's parts; types name live structs. */
  readonly input: ReadonlyArray<ProfileField>;
  /** The response message's part. */
  readonly response: string;
  /** Live and default name of the returned struct. */
  readonly output: string;
  readonly outputSource: StructName;
  readonly required: boolean;
}

/** The profile in effect: every name the SDK puts on the wire or reads from it. */
export interface CrmProfile {
  readonly operations: { readonly [K in OperationKey]: ProfileOperation };
  readonly structs: readonly ProfileStruct[];
  readonly messagePatterns: { readonly [K in MessagePatternKey]: RegExp };
  /** The overrides this profile was built from (validated). */
  readonly overrides: CrmProfileOverrides;
}

const XML_NAME = z.string().regex(/^[A-Za-z_][\w.-]*$/, 'must be an XML name (letters, digits, _ . -)');
const SCALARS = ['string', 'int', 'decimal', 'boolean', 'date'] as const;
/** Named groups the error factory reads from each pattern. */
const PATTERN_GROUPS: { readonly [K in MessagePatternKey]?: readonly string[] } = {
  ipNotAllowed: ['client', 'number', 'ip'],
  missingField: ['field'],
  dependencyNotFound: ['key'],
};

const patternSchema = (key: MessagePatternKey) =>
  z.union([z.string().min(1), z.instanceof(RegExp)]).superRefine((value, ctx) => {
    let source: string;
    try {
      source = typeof value === 'string' ? new RegExp(value, 'u').source : value.source;
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: `not a valid regular expression (${(error as Error).message})` });
      return;
    }
    for (const group of PATTERN_GROUPS[key] ?? []) {
      if (!source.includes(`(?<${group}>`)) ctx.addIssue({ code: 'custom', message: `must capture the named group (?<${group}>…)` });
    }
  });

const strictObject = (shape: Record<string, z.ZodType>) => z.object(shape).strict();
const keysOf = <T extends object>(o: T) => Object.keys(o) as Array<keyof T & string>;

export const CrmProfileOverridesSchema = strictObject({
  authParts: strictObject(Object.fromEntries(AUTH_PARTS.map((p) => [p, XML_NAME.optional()]))).optional(),
  operations: strictObject(
    Object.fromEntries(
      keysOf(OPERATIONS).map((key) => [
        key,
        strictObject({
          name: XML_NAME.optional(),
          params: strictObject(
            Object.fromEntries(
              OPERATIONS[key].input.map(([name]) => [
                name,
                z.union([XML_NAME, strictObject({ name: XML_NAME.optional(), type: z.enum(SCALARS).optional() })]).optional(),
              ]),
            ),
          ).optional(),
          response: XML_NAME.optional(),
        }).optional(),
      ]),
    ),
  ).optional(),
  structs: strictObject(
    Object.fromEntries(
      STRUCTS.map((s) => [
        s.name,
        strictObject({
          name: XML_NAME.optional(),
          fields: strictObject(Object.fromEntries(s.fields.map(([f]) => [f, XML_NAME.optional()]))).optional(),
        }).optional(),
      ]),
    ),
  ).optional(),
  messagePatterns: strictObject(Object.fromEntries(keysOf(MESSAGE_PATTERNS).map((k) => [k, patternSchema(k).optional()]))).optional(),
}) as unknown as z.ZodType<CrmProfileOverrides, CrmProfileOverrides>;

/**
 * The effective profile: overrides (already validated by CrmProfileOverridesSchema) merged over the
 * reconstructed defaults. Two defaults renamed to one live name are refused (the wire could not tell them apart).
 */
export function resolveProfile(overrides: CrmProfileOverrides = {}): CrmProfile {
  const structName = (source: string): string => overrides.structs?.[source as StructName]?.name ?? source;
  const live = (type: ParamType): ParamType =>
    typeof type === 'string' ? type : 'arrayOf' in type ? { arrayOf: structName(type.arrayOf) } : { struct: structName(type.struct) };
  const structs: ProfileStruct[] = STRUCTS.map((s) => {
    const fields = (overrides.structs?.[s.name]?.fields ?? {}) as Readonly<Record<string, string | undefined>>;
    return {
      name: structName(s.name),
      source: s.name,
      fields: s.fields.map(([name, type]) => ({
        name: fields[name] ?? name,
        source: name,
        type: typeof type === 'string' ? type : { arrayOf: structName(type.arrayOf) },
      })),
    };
  });
  const auth = AUTH_PARTS.map((name) => ({ name: overrides.authParts?.[name] ?? name, source: name, type: 'string' as const }));
  const operations = {} as Record<OperationKey, ProfileOperation>;
  for (const key of keysOf(OPERATIONS)) {
    const def = OPERATIONS[key];
    const o = overrides.operations?.[key];
    const params = (o?.params ?? {}) as Readonly<Record<string, ParamOverride | undefined>>;
    const input = def.input.map(([name, type]): ProfileField => {
      const p = params[name];
      const liveName = typeof p === 'string' ? p : (p?.name ?? name);
      const liveType = typeof p === 'object' && p.type && typeof type === 'string' ? p.type : live(type);
      return { name: liveName, source: name, type: liveType };
    });
    operations[key] = {
      key,
      name: o?.name ?? def.name,
      doc: def.doc,
      input: [...auth, ...input],
      response: o?.response ?? RESPONSE_PART,
      output: structName(def.output),
      outputSource: def.output,
      required: (REQUIRED_OPERATIONS as readonly string[]).includes(key),
    };
  }
  assertDistinct(
    'operation',
    Object.values(operations).map((op) => op.name),
  );
  for (const op of Object.values(operations))
    assertDistinct(
      `${op.name} part`,
      op.input.map((p) => p.name),
    );
  assertDistinct(
    'struct',
    structs.map((s) => s.name),
  );
  for (const s of structs)
    assertDistinct(
      `${s.name} field`,
      s.fields.map((f) => f.name),
    );
  const messagePatterns = { ...MESSAGE_PATTERNS } as Record<MessagePatternKey, RegExp>;
  for (const [key, value] of Object.entries(overrides.messagePatterns ?? {}) as Array<[MessagePatternKey, string | RegExp | undefined]>) {
    if (value !== undefined) messagePatterns[key] = typeof value === 'string' ? loose(value) : value;
  }
  return { operations, structs, messagePatterns, overrides };
}

/** Thrown by resolveProfile for overrides that contradict each other; the caller turns it into a configuration error. */
export class ProfileConflictError extends Error {
  override readonly name = 'ProfileConflictError';
}

function assertDistinct(what: string, names: readonly string[]): void {
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) throw new ProfileConflictError(`two ${what}s are named "${name}"`);
    seen.add(name);
  }
}

/** The default profile (no overrides). */
export const DEFAULT_PROFILE: CrmProfile = resolveProfile();

export function structOf(profile: CrmProfile, liveName: string): ProfileStruct | undefined {
  return profile.structs.find((s) => s.name === liveName);
}

function renameStruct(struct: ProfileStruct | undefined, value: Readonly<Record<string, unknown>>, toLive: boolean): Record<string, unknown> {
  if (!struct) return { ...value };
  const out: Record<string, unknown> = {};
  const known = new Set<string>();
  for (const field of struct.fields) {
    const from = toLive ? field.source : field.name;
    const to = toLive ? field.name : field.source;
    known.add(from);
    if (from in value) out[to] = value[from];
  }
  for (const [k, v] of Object.entries(value)) if (!known.has(k) && !(k in out)) out[k] = v;
  return out;
}

function itemStruct(profile: CrmProfile, type: ParamType): ProfileStruct | undefined {
  return typeof type === 'object' ? structOf(profile, 'arrayOf' in type ? type.arrayOf : type.struct) : undefined;
}

/**
 * Request values between default names (what params.ts builds) and live names (what the WSDL declares):
 * the client sends `toLive`, the sandbox reads with `toLive = false`. Array items and struct values are renamed too.
 */
export function renameParams(profile: CrmProfile, key: OperationKey, values: Readonly<Record<string, unknown>>, toLive: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const part of profile.operations[key].input) {
    const from = toLive ? part.source : part.name;
    if (!(from in values)) continue;
    const value = values[from];
    const struct = itemStruct(profile, part.type);
    out[toLive ? part.name : part.source] = !struct
      ? value
      : Array.isArray(value)
        ? value.map((item) => (item && typeof item === 'object' ? renameStruct(struct, item as Record<string, unknown>, toLive) : item))
        : value && typeof value === 'object'
          ? renameStruct(struct, value as Record<string, unknown>, toLive)
          : value;
  }
  return out;
}

/**
 * A returned struct between live and default names: `toLive = false` for what the client reads (a
 * SOAP-ENC array read as `{ item: [...] }` keeps that shape, its items renamed), true for what the sandbox writes.
 */
export function renameResult(
  profile: CrmProfile,
  structSource: StructName,
  value: Readonly<Record<string, unknown>>,
  toLive: boolean,
): Record<string, unknown> {
  const struct = profile.structs.find((s) => s.source === structSource);
  const out = renameStruct(struct, value, toLive);
  for (const field of struct?.fields ?? []) {
    if (typeof field.type === 'string') continue;
    const name = toLive ? field.name : field.source;
    const inner = structOf(profile, field.type.arrayOf);
    const v = out[name];
    const rename = (item: unknown) => (item && typeof item === 'object' ? renameStruct(inner, item as Record<string, unknown>, toLive) : item);
    if (Array.isArray(v)) out[name] = v.map(rename);
    else if (v && typeof v === 'object' && Array.isArray((v as { item?: unknown }).item))
      out[name] = { ...v, item: (v as { item: unknown[] }).item.map(rename) };
    else if (v && typeof v === 'object' && Array.isArray((v as { items?: unknown }).items))
      out[name] = {
        ...v,
        items: (v as { items: unknown[] }).items.map(rename),
        ...('itemType' in v ? { itemType: inner?.name ?? (v as { itemType: string }).itemType } : {}),
      };
  }
  return out;
}
