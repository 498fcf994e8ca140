import { fileURLToPath } from 'node:url';

export const FIXTURE_SERVER = 'crm.example.com.br';
export const FIXTURE_ENDPOINT = `http://${FIXTURE_SERVER}/cliente/webservices/index.php`;
export const FIXTURE_WSDL_URL = `${FIXTURE_ENDPOINT}?wsdl`;
export const CREDENTIALS = { user: 'integra.mega', password: 'sandbox', openedBy: 'integra.mega', openedFor: 'integra.mega', cnpj: '11222333000181' } as const;
export const wsdlFixture = fileURLToPath(new URL('../fixtures/WebServicesMultidados.wsdl', import.meta.url));
export const envelopesDir = fileURLToPath(new URL('../fixtures/envelopes', import.meta.url));
