// `node --import ./register-oracle-shim.mjs`: resolves `@mega-crm/mega-mapper/oracle` to the PostgreSQL stand-in.
import { register } from 'node:module';

register(
  `data:text/javascript,${encodeURIComponent(`
    const shim = ${JSON.stringify(new URL('./oracle-as-postgres.mjs', import.meta.url).href)};
    export async function resolve(specifier, context, next) {
      return specifier === '@mega-crm/mega-mapper/oracle' ? { url: shim, shortCircuit: true } : next(specifier, context);
    }
  `)}`,
);
