import { maskPii } from '@mega-crm/core/internal';
import { XMLParser } from 'fast-xml-parser';
import * as soap from 'soap';
import { AUTH_PARTS, OPERATIONS, type OperationKey } from '../profile/profile.js';
import { wsdlTypeOf } from '../profile/wsdl.js';

export interface OperationBinding {
  readonly key: OperationKey;
  readonly name: string;
  readonly soapAction: string;
  /** Namespace of the rpc wrapper element: the binding's soap:body/@namespace, else the targetNamespace. */
  readonly namespace: string;
}

export interface WsdlModel {
  readonly endpoint: string;
  readonly namespace: string;
  readonly operations: ReadonlyMap<OperationKey, OperationBinding>;
  /** Profile operations the WSDL does not offer: calling them fails with a configuration error. */
  readonly missing: readonly string[];
}

export class WsdlMismatchError extends Error {
  override readonly name = 'WsdlMismatchError';
}

interface SoapPort {
  location?: string;
  binding?: { methods?: Record<string, { soapAction?: string; style?: string; input?: { parts?: Record<string, string> } }> };
}

/**
 * Reads the WSDL with node-soap's model and checks it against the profile: the service and port
 * exist, every operation the profile knows has the parts the profile sends, in order.
 */
export async function readWsdlModel(text: string, url: string, names: { serviceName: string; portName: string }): Promise<WsdlModel> {
  // node-soap would fetch <import>/<include> locations by itself (any URL or local path, without the
  // SDK's deadline, size limit or TLS options): the CRM's WSDL is one document, so imports are refused.
  const refuseImports = (_resolved: string, _from: string, location: string): never => {
    throw new WsdlMismatchError(`the WSDL imports "${maskPii(location.slice(0, 120))}"; imports are not fetched (give the complete WSDL as wsdl or wsdlFile)`);
  };
  const wsdl = new soap.WSDL(text, url, { wsdl_options: { overrideImportLocation: refuseImports } } as never);
  await new Promise<void>((resolve, reject) => wsdl.onReady((error) => (error ? reject(error) : resolve())));
  const definitions = wsdl.definitions as unknown as { services: Record<string, { ports: Record<string, SoapPort> }>; $targetNamespace?: string };
  const port = definitions.services[names.serviceName]?.ports[names.portName];
  if (!port) {
    const found = Object.entries(definitions.services)
      .map(([service, s]) => `${service}/${Object.keys(s.ports).join(',')}`)
      .join('; ');
    throw new WsdlMismatchError(`service "${names.serviceName}" / port "${names.portName}" not found (the WSDL has: ${found || 'nothing'})`);
  }
  const methods = port.binding?.methods ?? {};
  // node-soap drops soap:body/@namespace; NuSOAP WSDLs often set it (urn:…) apart from the targetNamespace.
  const bodyNamespace = bodyNamespaces(text, names);
  const targetNamespace = definitions.$targetNamespace ?? '';
  const operations = new Map<OperationKey, OperationBinding>();
  const missing: string[] = [];
  const mismatches: string[] = [];
  for (const [key, op] of Object.entries(OPERATIONS) as Array<[OperationKey, (typeof OPERATIONS)[OperationKey]]>) {
    const method = methods[op.name];
    if (!method) {
      missing.push(op.name);
      continue;
    }
    // node-soap resolves complex part types into objects: their names are compared, their types are not.
    const expected = [...AUTH_PARTS.map((n) => `${n}:xsd:string`), ...op.input.map(([n, t]) => `${n}:${typeof t === 'string' ? wsdlTypeOf(t) : 'complex'}`)];
    const actual = Object.entries(method.input?.parts ?? {}).map(([n, t]) => `${n}:${typeof t === 'string' ? t : 'complex'}`);
    const length = Math.max(expected.length, actual.length);
    const diffs: string[] = [];
    for (let i = 0; i < length; i++) {
      if (expected[i] !== actual[i]) diffs.push(`part ${i + 1}: WSDL ${actual[i] ?? '(none)'}, profile ${expected[i] ?? '(none)'}`);
    }
    if (diffs.length > 0) mismatches.push(`${op.name} (${diffs.join('; ')})`);
    operations.set(key, { key, name: op.name, soapAction: method.soapAction ?? '', namespace: bodyNamespace.get(op.name) || targetNamespace });
  }
  if (mismatches.length > 0) throw new WsdlMismatchError(`the WSDL's parameters differ from the profile: ${mismatches.join(' | ')}`);
  const endpoint = port.location;
  if (!endpoint) throw new WsdlMismatchError('the port has no soap:address location');
  return { endpoint, namespace: targetNamespace, operations, missing };
}

const wsdlParser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  removeNSPrefix: true,
  isArray: (name, _path, _leaf, isAttribute) => !isAttribute && ['service', 'port', 'binding', 'operation'].includes(name),
});

type Named = { name?: string; binding?: string; port?: Named[]; operation?: Array<{ name?: string; input?: { body?: { namespace?: string } } }> };

/** soap:body/@namespace of each input of the service's port's binding. */
function bodyNamespaces(text: string, names: { serviceName: string; portName: string }): Map<string, string> {
  const definitions = (wsdlParser.parse(text) as { definitions?: { service?: Named[]; binding?: Named[] } }).definitions;
  const port = definitions?.service?.find((s) => s.name === names.serviceName)?.port?.find((p) => p.name === names.portName);
  const bindingName = port?.binding?.replace(/^.*:/, '');
  const binding = definitions?.binding?.find((b) => b.name === bindingName);
  const namespaces = new Map<string, string>();
  for (const op of binding?.operation ?? []) {
    const namespace = op.input?.body?.namespace;
    if (op.name && typeof namespace === 'string') namespaces.set(op.name, namespace);
  }
  return namespaces;
}
