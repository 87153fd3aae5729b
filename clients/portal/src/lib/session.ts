/**
 * The borrower's session (web-kit's session core under the portal's own key): the access token in
 * memory, the single-use refresh token in this tab's sessionStorage (a reload resumes; closing the
 * tab ends it; signing in again brings the borrower back to where they stopped).
 */
import { createSessionStore } from '@imagy/web-kit/session';

export const session = createSessionStore('imagy.portal.refresh');
