import { redact } from './redact.js';

/** The subset of pino's API the SDK uses, so a pino logger can be passed as is. */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};

/** Wraps a logger so every object is redacted (CPF/CNPJ, e-mail, phone, secrets) before it is written. */
export function redactingLogger(target: Logger): Logger {
  const wrap =
    (level: keyof Logger) =>
    (obj: object, msg?: string): void => {
      const safe = redact(obj) as object;
      if (msg === undefined) target[level](safe);
      else target[level](safe, redact(msg) as string);
    };
  return { debug: wrap('debug'), info: wrap('info'), warn: wrap('warn'), error: wrap('error') };
}
