/** The vocabulary the profile is written in: xsd scalar types, structs and SOAP-encoded arrays. */

export type XsdScalar = 'string' | 'int' | 'decimal' | 'boolean' | 'date';

export type ParamType = XsdScalar | { readonly struct: string } | { readonly arrayOf: string };

export interface StructDef {
  readonly name: string;
  readonly fields: ReadonlyArray<readonly [name: string, type: XsdScalar | { readonly arrayOf: string }]>;
}

export interface OperationDef {
  readonly name: string;
  readonly doc: string;
  /** Parts after the authentication parts, in order (rpc/encoded is positional in practice). */
  readonly input: ReadonlyArray<readonly [name: string, type: ParamType]>;
  /** Struct name of the `return` part. */
  readonly output: string;
}

/** A scalar is sent as text; a struct as its fields; an array as a list of structs. */
export type ParamValue = string | Readonly<Record<string, string>> | ReadonlyArray<Readonly<Record<string, string>>>;
export type ParamValues = Readonly<Record<string, ParamValue>>;

export function xsdTypeOf(type: XsdScalar): string {
  return type === 'date' ? 'xsd:date' : `xsd:${type}`;
}
