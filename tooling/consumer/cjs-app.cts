// A CommonJS host (require conditions, module nodenext, strict, skipLibCheck false): connects to the
// CRM sandbox, checks the integration CNPJ, and sees a typed error for a wrong password.
import { MegaCrmError } from '@mega-crm/core';
import { CrmClient } from '@mega-crm/crm-client';
import { CrmSandbox } from '@mega-crm/crm-sandbox';

async function main(): Promise<void> {
  const sandbox = await new CrmSandbox().start();
  try {
    const settings = { wsdlUrl: sandbox.wsdlUrl, user: 'integra.mega', openedBy: 'integra.mega', openedFor: 'integra.mega', cnpj: '11.222.333/0001-81' };
    const crm = await CrmClient.connect({ ...settings, password: 'sandbox' });
    await crm.validateCnpj();
    crm.close();
    const wrong = await CrmClient.connect({ ...settings, password: 'wrong' });
    const code = await wrong.validateCnpj().then(
      () => 'no error',
      (error: unknown) => {
        if (!MegaCrmError.is(error)) return String(error);
        // Narrowing on the code types the details (skipLibCheck false checks the published declarations).
        if (error.code === 'IP_NOT_ALLOWED') {
          const ip: string | undefined = error.details.ip;
          return `IP_NOT_ALLOWED ${ip ?? ''}`;
        }
        return error.code;
      },
    );
    wrong.close();
    if (code !== 'AUTH_FAILED') throw new Error(`a wrong password gave ${code}, not AUTH_FAILED`);
    console.log('CJS host: connected, CNPJ validated, a wrong password is AUTH_FAILED');
  } finally {
    await sandbox.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
