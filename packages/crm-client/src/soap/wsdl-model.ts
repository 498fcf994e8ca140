import { maskPii } from '@mega-crm/core/internal';
import * as soap from 'soap';
import { compareProfile, type ProfileReport, profileFromWsdl, wsdlDefinitions } from '../profile/compare.js';
import type { OperationKey } from '../profile/profile.js';
import type { CrmProfile } from '../profile/runtime.js';

export interface OperationBinding {
  readonly key: OperationKey;
  readonly name: string;
  readonly soapAction: string;
  /** Namespace of the rpc wrapper element: the binding's soap:body/@namespace, else the targetNamespace. */
  readonly namespace: string;
  /** The request parts' names in the WSDL's order (NuSOAP passes parameters by position). */
  readonly order: readonly string[];
}

export interface WsdlModel {
  readonly endpoint: string;
  readonly namespace: string;
  /** The operations the client can call: present and as the profile says. */
  readonly operations: ReadonlyMap<OperationKey, OperationBinding>;
  /** The WSDL compared with the profile: `ok` false when a required operation is missing or differs. */
  readonly report: ProfileReport;
}

export class WsdlMismatchError extends Error {
  override readonly name: string = 'WsdlMismatchError';
}

/** The WSDL is readable but has no service/port of the configured names; `found` lists what it has. */
export class ServiceNotFoundError extends WsdlMismatchError {
  override readonly name = 'ServiceNotFoundError';
  constructor(
    message: string,
    readonly found: ReadonlyArray<{ readonly service: string; readonly ports: readonly string[] }>,
  ) {
    super(message);
  }
}

interface SoapPort {
  location?: string;
  binding?: { methods?: Record<string, { soapAction?: string; style?: string }> };
}

/**
 * Reads the WSDL with node-soap's model (the service and port exist, the document is usable) and
 * compares what it declares with the profile in effect (compareProfile).
 */
export async function readWsdlModel(text: string, url: string, names: { serviceName: string; portName: string }, profile: CrmProfile): Promise<WsdlModel> {
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
    const found = Object.entries(definitions.services).map(([service, s]) => ({ service, ports: Object.keys(s.ports) }));
    const listed = found.map((f) => `${f.service}/${f.ports.join(',')}`).join('; ');
    throw new ServiceNotFoundError(`service "${names.serviceName}" / port "${names.portName}" not found (the WSDL has: ${listed || 'nothing'})`, found);
  }
  const methods = port.binding?.methods ?? {};
  // node-soap drops soap:body/@namespace; NuSOAP WSDLs often set it (urn:…) apart from the targetNamespace.
  const parsed = wsdlDefinitions(text);
  const bodyNamespace = bodyNamespaces(parsed, names);
  const targetNamespace = definitions.$targetNamespace ?? '';
  const declared = profileFromWsdl(parsed, names);
  const report = compareProfile(declared, profile);
  const operations = new Map<OperationKey, OperationBinding>();
  for (const op of report.operations) {
    const method = methods[op.name];
    if (!op.usable || !method) continue;
    const order = declared.operations.find((w) => w.name === op.name)?.request.map((p) => p.name) ?? [];
    operations.set(op.key, {
      key: op.key,
      name: op.name,
      soapAction: method.soapAction ?? '',
      namespace: bodyNamespace.get(op.name) || targetNamespace,
      order,
    });
  }
  const endpoint = port.location;
  if (!endpoint) throw new WsdlMismatchError('the port has no soap:address location');
  return { endpoint, namespace: targetNamespace, operations, report };
}

type Named = { name?: string; binding?: string; port?: Named[]; operation?: Array<{ name?: string; input?: { body?: { namespace?: string } } }> };

/** soap:body/@namespace of each input of the service's port's binding. */
function bodyNamespaces(parsed: Readonly<Record<string, unknown>>, names: { serviceName: string; portName: string }): Map<string, string> {
  const definitions = parsed as { service?: Named[]; binding?: Named[] };
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
