/**
 * What a WSDL declares (profileFromWsdl) and how it differs from the profile in effect
 * (compareProfile): per operation and part, what matches, what is missing and what is extra —
 * request parts, response parts, struct fields and array item types — with the `profile` override
 * that renames the profile's names to the WSDL's where a rename explains the difference.
 */
import { XMLParser } from 'fast-xml-parser';
import { AUTH_PARTS, type OperationKey, type StructName } from './profile.js';
import { type CrmProfile, type CrmProfileOverrides, DEFAULT_PROFILE, type ProfileField, type ProfileOperation, type ProfileStruct } from './runtime.js';
import type { ParamType, XsdScalar } from './types.js';

/** A part or field as a WSDL declares it; `type` is `string`, `int`… for xsd scalars, `struct:<name>` or `array:<item type>`. */
export interface WsdlPart {
  readonly name: string;
  readonly type: string;
}

export interface WsdlOperation {
  readonly name: string;
  readonly request: readonly WsdlPart[];
  readonly response: readonly WsdlPart[];
}

/** The operations and types a WSDL declares, in the profile's vocabulary. */
export interface WsdlProfile {
  readonly operations: readonly WsdlOperation[];
  /** Complex types with fields (xsd:all or xsd:sequence). */
  readonly structs: ReadonlyArray<{ readonly name: string; readonly fields: readonly WsdlPart[] }>;
}

const wsdlParser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  removeNSPrefix: true,
  isArray: (name, _path, _leaf, isAttribute) =>
    !isAttribute && ['schema', 'complexType', 'element', 'message', 'part', 'portType', 'operation', 'service', 'port', 'binding', 'attribute'].includes(name),
});

type Xml = Record<string, unknown>;

/** The WSDL's <definitions> as data (namespace prefixes dropped; repeatable elements always arrays). */
export function wsdlDefinitions(text: string): Record<string, unknown> {
  return ((wsdlParser.parse(text) as Xml).definitions ?? {}) as Xml;
}
const list = (value: unknown): Xml[] => (Array.isArray(value) ? (value as Xml[]) : []);
const attr = (node: Xml | undefined, name: string): string => (typeof node?.[name] === 'string' ? (node[name] as string) : '');
const local = (qname: string): string => qname.replace(/^.*:/, '');

/**
 * Reads what a WSDL (its text, or wsdlDefinitions(text)) declares: each operation of the service's port type (or of every port type when
 * `names` are not found) with its request and response parts, and its complex types. Struct and
 * array types are resolved by name; SOAP-ENC arrays become `array:<item type>`.
 */
export function profileFromWsdl(
  wsdl: string | Readonly<Record<string, unknown>>,
  names: { readonly serviceName?: string; readonly portName?: string } = {},
): WsdlProfile {
  const definitions = typeof wsdl === 'string' ? wsdlDefinitions(wsdl) : (wsdl as Xml);
  const complexTypes = list(definitions.types && (definitions.types as Xml).schema).flatMap((schema) => list(schema.complexType));
  const arrays = new Map<string, string>();
  const structFields = new Map<string, Xml[]>();
  for (const type of complexTypes) {
    const name = attr(type, 'name');
    const restriction = ((type.complexContent as Xml | undefined)?.restriction ?? undefined) as Xml | undefined;
    if (restriction && /(^|:)Array$/.test(attr(restriction, 'base'))) {
      const arrayType = list(restriction.attribute)
        .map((a) => attr(a, 'arrayType'))
        .find(Boolean);
      arrays.set(name, local(arrayType ?? '').replace(/\[\]$/, ''));
      continue;
    }
    const group = (type.all ?? type.sequence) as Xml | undefined;
    structFields.set(name, list(group?.element));
  }
  const typeOf = (qname: string): string => {
    const name = local(qname);
    if (arrays.has(name)) return `array:${arrays.get(name)}`;
    if (structFields.has(name)) return `struct:${name}`;
    if (name === 'Array') return 'array:?';
    return name;
  };
  const partsOf = (nodes: Xml[]): WsdlPart[] => nodes.map((n) => ({ name: attr(n, 'name'), type: typeOf(attr(n, 'type') || attr(n, 'element')) }));
  const messages = new Map(list(definitions.message).map((m) => [attr(m, 'name'), partsOf(list(m.part))]));
  const portTypes = list(definitions.portType);
  const port = list(list(definitions.service).find((s) => attr(s, 'name') === names.serviceName)?.port).find((p) => attr(p, 'name') === names.portName);
  const binding = list(definitions.binding).find((b) => attr(b, 'name') === local(attr(port, 'binding')));
  const portType = portTypes.find((p) => attr(p, 'name') === local(attr(binding, 'type')));
  const operations = (portType ? [portType] : portTypes).flatMap((p) =>
    list(p.operation).map((op) => ({
      name: attr(op, 'name'),
      request: messages.get(local(attr(op.input as Xml | undefined, 'message'))) ?? [],
      response: messages.get(local(attr(op.output as Xml | undefined, 'message'))) ?? [],
    })),
  );
  return { operations, structs: [...structFields].map(([name, fields]) => ({ name, fields: partsOf(fields) })) };
}

/** What happens because of a difference. */
export type DifferenceEffect = 'stops-connect' | 'disables-operation' | 'none';

export interface ProfileDifference {
  readonly effect: DifferenceEffect;
  /** The profile's operations it concerns (those using a struct, for a struct's difference). */
  readonly operations: readonly OperationKey[];
  /** One line naming the operation or struct, the part, what the profile says and what the WSDL says. */
  readonly text: string;
}

export interface PartsReport {
  readonly matched: readonly string[];
  /** In the profile, not in the WSDL. */
  readonly missing: readonly WsdlPart[];
  /** In the WSDL, not in the profile. */
  readonly extra: readonly WsdlPart[];
  readonly typeDiffers: ReadonlyArray<{ readonly name: string; readonly profile: string; readonly wsdl: string }>;
  /** Same names, another order (request parts only): NuSOAP passes them by position, so the client sends them in the WSDL's order. */
  readonly orderDiffers: boolean;
}

export interface OperationReport {
  readonly key: OperationKey;
  /** The operation's name in the profile in effect. */
  readonly name: string;
  readonly required: boolean;
  readonly status: 'match' | 'differs' | 'missing';
  /** The client can call it (present, parts and structs as the profile says). */
  readonly usable: boolean;
  /** The WSDL operation it was compared with when the names differ (a rename: mostly the same parts). */
  readonly wsdlName?: string;
  readonly request?: PartsReport;
  readonly response?: PartsReport;
}

export interface StructReport {
  /** Default (reconstructed) type name, the key under `profile.structs`. */
  readonly source: StructName;
  /** The name in the profile in effect. */
  readonly name: string;
  /** The WSDL type it was compared with (found by name, or where the profile's type is used). */
  readonly wsdlName?: string;
  readonly status: 'match' | 'differs' | 'missing';
  readonly fields?: PartsReport;
}

export interface ProfileReport {
  /** No required operation is missing or differs: `connect` succeeds. */
  readonly ok: boolean;
  readonly operations: readonly OperationReport[];
  readonly structs: readonly StructReport[];
  /** Operations the WSDL has and the profile does not use. */
  readonly extraOperations: readonly string[];
  readonly differences: readonly ProfileDifference[];
  /**
   * The `profile` option that renames the profile's names to the WSDL's where a rename explains a
   * difference (a part at the same position, the one response part, a struct used at the same place),
   * merged with the overrides in effect. Differences no rename explains stay in `differences`.
   */
  readonly suggestedProfile: CrmProfileOverrides;
}

function profileType(type: ParamType | XsdScalar): string {
  if (typeof type === 'string') return type;
  return 'arrayOf' in type ? `array:${type.arrayOf}` : `struct:${type.struct}`;
}

const describe = (type: string): string =>
  type.startsWith('array:') ? `an array of ${type.slice(6)}` : type.startsWith('struct:') ? `struct ${type.slice(7)}` : `xsd:${type}`;

interface Compared extends PartsReport {
  /** Profile part (source name) → WSDL part taking its place. */
  readonly renames: ReadonlyArray<{ readonly field: ProfileField<unknown>; readonly wsdl: WsdlPart }>;
}

function compareParts(
  profile: ReadonlyArray<ProfileField<ParamType | XsdScalar | { readonly arrayOf: string }>>,
  wsdl: readonly WsdlPart[],
  ordered: boolean,
): Compared {
  const byName = new Map(wsdl.map((p) => [p.name, p]));
  const profileNames = new Set(profile.map((p) => p.name));
  const matched: string[] = [];
  const missing: WsdlPart[] = [];
  const typeDiffers: Array<{ name: string; profile: string; wsdl: string }> = [];
  const renames: Array<{ field: ProfileField<unknown>; wsdl: WsdlPart }> = [];
  const extra = wsdl.filter((p) => !profileNames.has(p.name));
  profile.forEach((field, index) => {
    const type = profileType(field.type);
    const found = byName.get(field.name);
    if (!found) {
      missing.push({ name: field.name, type });
      // In the same position (rpc/encoded is positional; NuSOAP keeps declaration order), or the only one left.
      const candidate = wsdl[index] && extra.includes(wsdl[index]) ? wsdl[index] : profile.length === 1 && extra.length === 1 ? extra[0] : undefined;
      if (candidate) renames.push({ field, wsdl: candidate });
    } else if (found.type !== type) typeDiffers.push({ name: field.name, profile: type, wsdl: found.type });
    else matched.push(field.name);
  });
  const common = (names: readonly string[], other: Set<string>) => names.filter((n) => other.has(n));
  const orderDiffers =
    ordered &&
    common(
      profile.map((p) => p.name),
      new Set(wsdl.map((p) => p.name)),
    ).join('\u0000') !==
      common(
        wsdl.map((p) => p.name),
        profileNames,
      ).join('\u0000');
  return { matched, missing, extra, typeDiffers, orderDiffers, renames };
}

/** Nothing that stops a call: the order of parts is not, the client follows the WSDL's. */
const clean = (r: PartsReport | undefined): boolean => !!r && r.missing.length === 0 && r.extra.length === 0 && r.typeDiffers.length === 0;
const exact = (r: PartsReport | undefined): boolean => clean(r) && !r?.orderDiffers;

const report = (c: Compared): PartsReport => ({
  matched: c.matched,
  missing: c.missing,
  extra: c.extra,
  typeDiffers: c.typeDiffers,
  orderDiffers: c.orderDiffers,
});

/** Struct names (live) a field list refers to, directly or as array items. */
function referencedStructs(fields: ReadonlyArray<{ readonly type: ParamType | XsdScalar | { readonly arrayOf: string } }>): string[] {
  return fields.flatMap(({ type }) => (typeof type === 'string' ? [] : ['arrayOf' in type ? type.arrayOf : type.struct]));
}

/**
 * Compares a WSDL with the profile in effect (the default one when none is given). Required operations
 * (the sync's) that are missing or differ make `ok` false; optional ones are reported and disabled.
 */
export function compareProfile(wsdl: WsdlProfile, profile: CrmProfile = DEFAULT_PROFILE): ProfileReport {
  const wsdlOps = new Map(wsdl.operations.map((op) => [op.name, op]));
  const wsdlStructs = new Map(wsdl.structs.map((s) => [s.name, s.fields]));
  const operations = Object.values(profile.operations);
  const differences: ProfileDifference[] = [];
  const suggestion = structuredClone(toPlain(profile.overrides)) as Mutable;
  const suggest = (path: string[], value: unknown) => setPath(suggestion, path, value);

  // Where the profile uses a struct and the WSDL another type in that place, that type is the struct's counterpart.
  const counterpart = new Map<string, string>();
  const witness = (profileType: string, wsdlType: string) => {
    const [pk, pn] = profileType.split(':') as [string, string | undefined];
    const [wk, wn] = wsdlType.split(':') as [string, string | undefined];
    if (pn && wn && pk === wk && wn !== '?' && !counterpart.has(pn)) counterpart.set(pn, wn);
  };

  // An operation the WSDL lacks, and one the profile does not know with mostly the same parts: a rename.
  const known = new Set(operations.map((op) => op.name));
  const unclaimed = new Set(wsdl.operations.filter((w) => !known.has(w.name)));
  const renamedOp = (op: ProfileOperation): WsdlOperation | undefined => {
    const own = op.input.slice(AUTH_PARTS.length).map((p) => p.name);
    const auth = new Set(op.input.slice(0, AUTH_PARTS.length).map((p) => p.name));
    let best: WsdlOperation | undefined;
    let bestScore = 0;
    for (const candidate of unclaimed) {
      const theirs = candidate.request.map((p) => p.name).filter((n) => !auth.has(n));
      const common = own.filter((n) => theirs.includes(n)).length;
      const score = common / Math.max(own.length, theirs.length, 1);
      if (common > 0 && score >= 0.5 && score > bestScore) {
        best = candidate;
        bestScore = score;
      }
    }
    if (best) unclaimed.delete(best);
    return best;
  };
  const opResults = operations.map((op) => {
    const found = wsdlOps.get(op.name) ?? renamedOp(op);
    if (!found) return { op, found };
    const request = compareParts(op.input, found.request, true);
    const response = compareParts([{ name: op.response, source: 'response', type: { struct: op.output } }], found.response, false);
    for (const p of op.input) {
      const w = found.request.find((x) => x.name === p.name);
      if (w) witness(profileType(p.type), w.type);
    }
    for (const r of request.renames) witness(profileType(r.field.type as ParamType), r.wsdl.type);
    const responseType = found.response.find((p) => p.name === op.response)?.type ?? response.renames[0]?.wsdl.type;
    if (responseType) witness(`struct:${op.output}`, responseType);
    return { op, found, request, response };
  });

  // Structs used by the operations the WSDL has, and by their structs, transitively.
  const usedBy = new Map<string, Set<ProfileOperation>>();
  const structByName = new Map(profile.structs.map((s) => [s.name, s]));
  const use = (name: string, op: ProfileOperation) => {
    const users = usedBy.get(name) ?? new Set();
    if (users.has(op)) return;
    users.add(op);
    usedBy.set(name, users);
    for (const inner of referencedStructs(structByName.get(name)?.fields ?? [])) use(inner, op);
  };
  for (const { op, found } of opResults) if (found) for (const name of [op.output, ...referencedStructs(op.input)]) use(name, op);

  const structResults = new Map<string, { struct: ProfileStruct; wsdlName?: string; fields?: Compared }>();
  // Field comparisons reveal further counterparts (an array field's item type): a few passes, structs nest two deep.
  for (let pass = 0; pass < 4; pass++) {
    for (const name of usedBy.keys()) {
      const struct = structByName.get(name);
      if (!struct) continue;
      const wsdlName = wsdlStructs.has(name) ? name : counterpart.get(name);
      const wsdlFields = wsdlName === undefined ? undefined : wsdlStructs.get(wsdlName);
      if (!wsdlFields) {
        structResults.set(name, { struct });
        continue;
      }
      const fields = compareParts(struct.fields, wsdlFields, false);
      for (const f of struct.fields) {
        const w = wsdlFields.find((x) => x.name === f.name);
        if (w) witness(profileType(f.type), w.type);
      }
      for (const r of fields.renames) witness(profileType(r.field.type as ParamType), r.wsdl.type);
      structResults.set(name, { struct, wsdlName: wsdlName as string, fields });
    }
  }

  const structClean = (name: string): boolean => {
    const r = structResults.get(name);
    if (!r?.fields || r.wsdlName !== name) return false;
    // Extra WSDL fields are harmless; a scalar field of another xsd type is read as text all the same.
    return r.fields.missing.length === 0 && r.fields.typeDiffers.every((t) => !t.profile.includes(':') && !t.wsdl.includes(':'));
  };
  const usesClean = (op: ProfileOperation): boolean => [...usedBy].every(([name, users]) => !users.has(op) || structClean(name));

  const opReports: OperationReport[] = opResults.map(({ op, found, request, response }) => {
    if (!found || !request || !response) return { key: op.key, name: op.name, required: op.required, status: 'missing', usable: false };
    const usable = found.name === op.name && clean(request) && clean(response) && usesClean(op);
    const status = usable && exact(request) && [...usedBy].every(([n, u]) => !u.has(op) || structExact(n)) ? 'match' : 'differs';
    const renamed = found.name === op.name ? {} : { wsdlName: found.name };
    return { key: op.key, name: op.name, required: op.required, status, usable, ...renamed, request: report(request), response: report(response) };
  });
  function structExact(name: string): boolean {
    const r = structResults.get(name);
    return structClean(name) && !!r?.fields && clean(r.fields);
  }

  const effectOf = (ops: Iterable<ProfileOperation>, harmless = false): DifferenceEffect => {
    if (harmless) return 'none';
    let effect: DifferenceEffect = 'none';
    for (const op of ops) {
      if (op.required) return 'stops-connect';
      effect = 'disables-operation';
    }
    return effect;
  };

  for (const { op, found, request, response } of opResults) {
    const label = `${op.name} (${op.key})`;
    if (!found || !request || !response) {
      differences.push({ operations: [op.key], effect: op.required ? 'stops-connect' : 'disables-operation', text: `operation ${label}: not in the WSDL` });
      continue;
    }
    const effect = op.required ? 'stops-connect' : 'disables-operation';
    if (found.name !== op.name) {
      differences.push({
        operations: [op.key],
        effect,
        text: `operation ${label}: not in the WSDL; the WSDL has ${found.name} with mostly the same parts in its place`,
      });
      suggest(['operations', op.key, 'name'], found.name);
    }
    for (const m of request.missing) {
      const r = request.renames.find((x) => x.field.name === m.name);
      const auth = r && op.input.indexOf(r.field as ProfileField) < AUTH_PARTS.length;
      differences.push({
        operations: [op.key],
        effect,
        text: `${label} request: part "${m.name}" (${describe(m.type)}) is not in the WSDL${r ? `; the WSDL has "${r.wsdl.name}" (${describe(r.wsdl.type)}) in its place` : ''}`,
      });
      if (r) {
        const scalar = typeof r.field.type === 'string' && !r.wsdl.type.includes(':') && r.wsdl.type !== r.field.type ? r.wsdl.type : undefined;
        if (auth) suggest(['authParts', r.field.source], r.wsdl.name);
        else suggest(['operations', op.key, 'params', r.field.source], scalar ? { name: r.wsdl.name, type: scalar } : r.wsdl.name);
      }
    }
    for (const e of request.extra) {
      if (request.renames.some((r) => r.wsdl === e)) continue;
      differences.push({
        operations: [op.key],
        effect,
        text: `${label} request: the WSDL has part "${e.name}" (${describe(e.type)}), which the profile does not send`,
      });
    }
    for (const t of request.typeDiffers) {
      differences.push({
        operations: [op.key],
        effect,
        text: `${label} request: part "${t.name}" is ${describe(t.profile)} in the profile, ${describe(t.wsdl)} in the WSDL`,
      });
      const field = op.input.find((p) => p.name === t.name);
      if (field && typeof field.type === 'string' && !t.wsdl.includes(':') && isScalar(t.wsdl))
        suggest(['operations', op.key, 'params', field.source], { ...(field.name === field.source ? {} : { name: field.name }), type: t.wsdl });
      else if (field && typeof field.type !== 'string') suggestStruct(field.type, t.wsdl);
    }
    if (request.orderDiffers)
      differences.push({
        operations: [op.key],
        effect: 'none',
        text: `${label} request: the parts are in another order in the WSDL; they are sent in its order`,
      });
    for (const m of response.missing) {
      const r = response.renames[0];
      differences.push({
        operations: [op.key],
        effect,
        text: `${label} response: part "${m.name}" is not in the WSDL${r ? `; the WSDL's response part is "${r.wsdl.name}"` : ''}`,
      });
      if (r) suggest(['operations', op.key, 'response'], r.wsdl.name);
    }
    for (const t of response.typeDiffers) {
      differences.push({
        operations: [op.key],
        effect,
        text: `${label} response: part "${t.name}" is ${describe(t.profile)} in the profile, ${describe(t.wsdl)} in the WSDL`,
      });
      suggestStruct({ struct: op.output }, t.wsdl);
    }
  }
  function suggestStruct(type: ParamType | { readonly arrayOf: string }, wsdlType: string): void {
    const liveName = typeof type === 'string' ? undefined : 'arrayOf' in type ? type.arrayOf : type.struct;
    const source = liveName === undefined ? undefined : structByName.get(liveName)?.source;
    const target = wsdlType.replace(/^(array|struct):/, '');
    if (source && target !== '?' && !isScalar(target)) suggest(['structs', source, 'name'], target);
  }

  for (const [name, { struct, wsdlName, fields }] of structResults) {
    const users = usedBy.get(name) ?? new Set();
    const label = `struct ${name}`;
    const keys = [...users].map((op) => op.key);
    if (!fields) {
      differences.push({ operations: keys, effect: effectOf(users), text: `${label}: not in the WSDL` });
      continue;
    }
    if (wsdlName !== name) {
      differences.push({ operations: keys, effect: effectOf(users), text: `${label}: the WSDL calls it ${wsdlName}` });
      suggest(['structs', struct.source, 'name'], wsdlName);
    }
    for (const m of fields.missing) {
      const r = fields.renames.find((x) => x.field.name === m.name);
      differences.push({
        operations: keys,
        effect: effectOf(users),
        text: `${label}: field "${m.name}" (${describe(m.type)}) is not in the WSDL${r ? `; the WSDL has "${r.wsdl.name}" (${describe(r.wsdl.type)}) in its place` : ''}`,
      });
      if (r) suggest(['structs', struct.source, 'fields', r.field.source], r.wsdl.name);
    }
    for (const e of fields.extra) {
      if (fields.renames.some((r) => r.wsdl === e)) continue;
      differences.push({
        operations: keys,
        effect: 'none',
        text: `${label}: the WSDL has field "${e.name}" (${describe(e.type)}), which the profile does not read`,
      });
    }
    for (const t of fields.typeDiffers) {
      const structural = t.profile.includes(':') || t.wsdl.includes(':');
      differences.push({
        operations: keys,
        effect: effectOf(users, !structural),
        text: `${label}: field "${t.name}" is ${describe(t.profile)} in the profile, ${describe(t.wsdl)} in the WSDL`,
      });
      const field = struct.fields.find((f) => f.name === t.name);
      if (field && structural) suggestStruct(field.type, t.wsdl);
    }
  }

  const extraOperations = [...unclaimed].map((op) => op.name);
  for (const name of extraOperations) differences.push({ operations: [], effect: 'none', text: `operation ${name}: in the WSDL, not used by the profile` });

  const structReports: StructReport[] = [...structResults].map(([name, { struct, wsdlName, fields }]) => ({
    source: struct.source,
    name,
    ...(wsdlName === undefined ? {} : { wsdlName }),
    status: !fields ? 'missing' : structExact(name) ? 'match' : 'differs',
    ...(fields ? { fields: report(fields) } : {}),
  }));
  return {
    ok: opReports.every((op) => !op.required || op.usable),
    operations: opReports,
    structs: structReports,
    extraOperations,
    differences,
    suggestedProfile: suggestion as CrmProfileOverrides,
  };
}

function isScalar(type: string): type is XsdScalar {
  return ['string', 'int', 'decimal', 'boolean', 'date'].includes(type);
}

type Mutable = { [key: string]: unknown };

/** Overrides as plain data (a RegExp pattern becomes its source), so they can be cloned and printed. */
function toPlain(overrides: CrmProfileOverrides): Mutable {
  const patterns = overrides.messagePatterns
    ? Object.fromEntries(Object.entries(overrides.messagePatterns).map(([k, v]) => [k, v instanceof RegExp ? v.source : v]))
    : undefined;
  return { ...overrides, ...(patterns ? { messagePatterns: patterns } : {}) } as Mutable;
}

function setPath(target: Mutable, path: readonly string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    if (!node[key] || typeof node[key] !== 'object') node[key] = {};
    node = node[key] as Mutable;
  }
  node[path[path.length - 1] as string] = value;
}

/**
 * A report as text: one line per difference, marked ✗ (stops connect), ! (disables an optional
 * operation) or · (harmless), then the `profile` option to pass when renames explain differences.
 */
export function formatProfileReport(report: ProfileReport): string {
  const lines = report.differences.map((d) => `${d.effect === 'stops-connect' ? '✗' : d.effect === 'disables-operation' ? '!' : '·'} ${d.text}`);
  if (lines.length === 0) lines.push('the WSDL matches the profile');
  const suggestion = JSON.stringify(report.suggestedProfile);
  if (suggestion !== '{}') lines.push(`profile: ${suggestion}`);
  return lines.join('\n');
}
