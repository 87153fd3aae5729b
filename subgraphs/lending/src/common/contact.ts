/** Contact addresses as the origination pipeline accepts them (pure). */
const EMAIL = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

export const isEmail = (s: string) => s.length <= 254 && EMAIL.test(s);
/** E.164: a plus sign and 8 to 15 digits. */
export const isPhone = (s: string) => /^\+[1-9]\d{7,14}$/.test(s);
/** The form a contact is compared in (uniqueness among a tenant's applicants). */
export const normaliseContact = (channel: string, s: string) => (channel === 'EMAIL' ? s.trim().toLowerCase() : s.replace(/[\s()-]/g, ''));
