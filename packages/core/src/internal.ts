/**
 * @internal Helpers the @mega-crm packages share (`@mega-crm/core/internal`). Not part of the public
 * API: they may change in any release.
 */

export { fitRecordText, fitText } from './domain/charset.js';
export { normalizeEmails, normalizePhone, normalizePhones, PHONE_PATTERN, padDocument } from './domain/contact.js';
export { completeCnpj, completeCpf, onlyDigits } from './domain/documents.js';
export { validateDroppingFields } from './domain/validate.js';
export { describeOwner, type OwnerInfo } from './engine/owner.js';
export { asMegaCrmError } from './errors.js';
export { contentHash, stableStringify } from './hash.js';
export { pick, seededRandom } from './random.js';
export { maskEmail, maskPhone, maskPii, redact, registerSecret, scrubSecrets } from './redact.js';
export { parseInterval } from './schedule.js';
