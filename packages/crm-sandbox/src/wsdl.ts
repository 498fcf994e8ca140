import { OPERATIONS, RESULT_TYPE } from './operations.js';

export interface WsdlSite {
  /** Host name as NuSOAP's $_SERVER['SERVER_NAME'] (no port): it goes into the namespace. */
  readonly serverName: string;
  /** Absolute URL of index.php, without `?wsdl`. */
  readonly endpoint: string;
  readonly serviceName?: string;
}

/** The namespace NuSOAP's configureWSDL() derives when none is given. */
export function nusoapNamespace(serverName: string, serviceName = 'WebServicesMultidados'): string {
  return `http://${serverName}/soap/${serviceName}`;
}

const ENC = 'http://schemas.xmlsoap.org/soap/encoding/';

/** Renders the WSDL the way NuSOAP's wsdl::serialize() lays it out (rpc/encoded, xsd simple types). */
export function renderWsdl(site: WsdlSite): string {
  const service = site.serviceName ?? 'WebServicesMultidados';
  const tns = nusoapNamespace(site.serverName, service);
  const types = `<xsd:complexType name="${RESULT_TYPE.name}"><xsd:all>${RESULT_TYPE.fields
    .map(([name, type]) => `<xsd:element name="${name}" type="${type}"/>`)
    .join('')}</xsd:all></xsd:complexType>`;
  const messages = OPERATIONS.map(
    (op) =>
      `<message name="${op.name}Request">${op.input.map(([name, type]) => `<part name="${name}" type="${type}" />`).join('')}</message>` +
      `<message name="${op.name}Response"><part name="return" type="tns:${op.output}" /></message>`,
  ).join('');
  const portOps = OPERATIONS.map(
    (op) =>
      `<operation name="${op.name}"><documentation>${op.doc}</documentation><input message="tns:${op.name}Request"/><output message="tns:${op.name}Response"/></operation>`,
  ).join('');
  const body = `<soap:body use="encoded" namespace="${tns}" encodingStyle="${ENC}"/>`;
  const bindingOps = OPERATIONS.map(
    (op) =>
      `<operation name="${op.name}"><soap:operation soapAction="${site.endpoint}/${op.name}" style="rpc"/><input>${body}</input><output>${body}</output></operation>`,
  ).join('');
  return (
    '<?xml version="1.0" encoding="ISO-8859-1"?>\n' +
    `<definitions xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:SOAP-ENC="${ENC}" xmlns:tns="${tns}" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/" xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" xmlns="http://schemas.xmlsoap.org/wsdl/" targetNamespace="${tns}">\n` +
    `<types><xsd:schema targetNamespace="${tns}">\n <xsd:import namespace="${ENC}" />\n <xsd:import namespace="http://schemas.xmlsoap.org/wsdl/" />\n ${types}\n</xsd:schema>\n</types>\n` +
    `${messages}\n` +
    `<portType name="${service}PortType">${portOps}</portType>\n` +
    `<binding name="${service}Binding" type="tns:${service}PortType"><soap:binding style="rpc" transport="http://schemas.xmlsoap.org/soap/http"/>${bindingOps}</binding>\n` +
    `<service name="${service}"><port name="${service}Port" binding="tns:${service}Binding"><soap:address location="${site.endpoint}"/></port></service>\n` +
    '</definitions>'
  );
}
