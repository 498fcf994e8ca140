import { SERVICE_DEFAULTS } from './profile.js';
import { type CrmProfile, DEFAULT_PROFILE } from './runtime.js';
import { type ParamType, type XsdScalar, xsdTypeOf } from './types.js';

export interface WsdlSite {
  /** Host name as NuSOAP's $_SERVER['SERVER_NAME'] (no port): it goes into the namespace. */
  readonly serverName: string;
  /** Absolute URL of index.php, without `?wsdl`. */
  readonly endpoint: string;
  readonly serviceName?: string;
}

/** The namespace NuSOAP's configureWSDL() derives when none is given. */
export function nusoapNamespace(serverName: string, serviceName: string = SERVICE_DEFAULTS.serviceName): string {
  return `http://${serverName}/soap/${serviceName}`;
}

const ENC = 'http://schemas.xmlsoap.org/soap/encoding/';

export function wsdlTypeOf(type: ParamType | XsdScalar): string {
  if (typeof type === 'string') return xsdTypeOf(type);
  return 'struct' in type ? `tns:${type.struct}` : `tns:${type.arrayOf}Array`;
}

/** Names of the array types the structs and operations use (each gets a SOAP-ENC:Array restriction). */
function arrayTypes(profile: CrmProfile): string[] {
  const names = new Set<string>();
  for (const s of profile.structs) for (const { type: t } of s.fields) if (typeof t !== 'string') names.add(t.arrayOf);
  for (const op of Object.values(profile.operations)) for (const { type: t } of op.input) if (typeof t !== 'string' && 'arrayOf' in t) names.add(t.arrayOf);
  return [...names];
}

/**
 * Renders the profile's WSDL as PHP NuSOAP's wsdl::serialize() lays it out (rpc/encoded, SOAP 1.1);
 * with an effective profile (resolveProfile(overrides)), the WSDL of a CRM under those live names.
 */
export function renderWsdl(site: WsdlSite, profile: CrmProfile = DEFAULT_PROFILE): string {
  const service = site.serviceName ?? SERVICE_DEFAULTS.serviceName;
  const tns = nusoapNamespace(site.serverName, service);
  const operations = Object.values(profile.operations);
  const structs = profile.structs.map(
    (s) =>
      `<xsd:complexType name="${s.name}"><xsd:all>${s.fields.map(({ name: n, type: t }) => `<xsd:element name="${n}" type="${wsdlTypeOf(t)}"/>`).join('')}</xsd:all></xsd:complexType>`,
  );
  const arrays = arrayTypes(profile).map(
    (item) =>
      `<xsd:complexType name="${item}Array"><xsd:complexContent><xsd:restriction base="SOAP-ENC:Array"><xsd:attribute ref="SOAP-ENC:arrayType" wsdl:arrayType="tns:${item}[]"/></xsd:restriction></xsd:complexContent></xsd:complexType>`,
  );
  const messages = operations.map(
    (op) =>
      `<message name="${op.name}Request">${op.input.map(({ name: n, type: t }) => `<part name="${n}" type="${wsdlTypeOf(t)}" />`).join('')}</message>\n` +
      `<message name="${op.name}Response"><part name="${op.response}" type="tns:${op.output}" /></message>`,
  );
  const portOps = operations.map(
    (op) =>
      `<operation name="${op.name}"><documentation>${op.doc}</documentation><input message="tns:${op.name}Request"/><output message="tns:${op.name}Response"/></operation>`,
  );
  const body = `<soap:body use="encoded" namespace="${tns}" encodingStyle="${ENC}"/>`;
  const bindingOps = operations.map(
    (op) =>
      `<operation name="${op.name}"><soap:operation soapAction="${site.endpoint}/${op.name}" style="rpc"/><input>${body}</input><output>${body}</output></operation>`,
  );
  return [
    '<?xml version="1.0" encoding="ISO-8859-1"?>',
    `<definitions xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:SOAP-ENC="${ENC}" xmlns:tns="${tns}" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/" xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" xmlns="http://schemas.xmlsoap.org/wsdl/" targetNamespace="${tns}">`,
    `<types><xsd:schema targetNamespace="${tns}">`,
    ` <xsd:import namespace="${ENC}" />`,
    ' <xsd:import namespace="http://schemas.xmlsoap.org/wsdl/" />',
    ...structs.map((s) => ` ${s}`),
    ...arrays.map((a) => ` ${a}`),
    '</xsd:schema>',
    '</types>',
    ...messages,
    `<portType name="${service}PortType">${portOps.join('')}</portType>`,
    `<binding name="${service}Binding" type="tns:${service}PortType"><soap:binding style="rpc" transport="http://schemas.xmlsoap.org/soap/http"/>`,
    ...bindingOps,
    '</binding>',
    `<service name="${service}"><port name="${service}Port" binding="tns:${service}Binding"><soap:address location="${site.endpoint}"/></port></service>`,
    '</definitions>',
  ].join('\n');
}
