/**
 * `/console/auth/callback`: where the tenant's OIDC provider (Keycloak) sends the browser back with
 * `code` and `state`. The state must be the one this tab sent (lib/oidc.ts); then identity's
 * completeOidcLogin exchanges the code and answers with Imagy's tokens, and the console opens.
 * Errors (the provider's `error` parameter, a foreign state, the API's userErrors) are shown in the
 * user's language with a way back to the sign-in page.
 */
import { useEffect, useRef, useState } from 'react';
import { useAuth } from './lib/auth';
import { defineMessages, useT } from '@imagy/web-kit/i18n';
import { takeRoundTrip } from './lib/oidc';
import { useRouter } from '@imagy/web-kit/router';
import { Loading } from '@imagy/web-kit/states';
import { UserErrors, type UserErrorLike } from './ui/common';

const messages = defineMessages({
  en: {
    title: 'Signing in with Keycloak…', failed: 'Single sign-on did not complete', back: 'Back to sign-in',
    stateMismatch: 'This sign-in answer was not started from this tab (or was already used); start again.',
    providerError: 'The identity provider did not sign you in; start again.',
  },
  es: {
    title: 'Ingresando con Keycloak…', failed: 'El inicio de sesión único no se completó', back: 'Volver al inicio de sesión',
    stateMismatch: 'Esta respuesta de inicio de sesión no se inició desde esta pestaña (o ya se usó). Inicie sesión de nuevo.',
    providerError: 'El proveedor de identidad no inició su sesión. Inicie sesión de nuevo.',
  },
});

export function AuthCallback() {
  const t = useT(messages);
  const { completeOidcLogin } = useAuth();
  const { search, navigate } = useRouter();
  const [errors, setErrors] = useState<UserErrorLike[] | null>(null);
  // The code is single use: StrictMode's second effect run must not present it again.
  const started = useRef(false);

  useEffect(() => {
    if (started.current) return;
    started.current = true;
    const trip = takeRoundTrip();
    const code = search.get('code');
    const state = search.get('state');
    if (search.get('error')) { setErrors([{ code: 'OIDC_PROVIDER_ERROR', message: t('providerError') }]); return; }
    if (!trip || !code || !state || state !== trip.state) { setErrors([{ code: 'OIDC_STATE_MISMATCH', message: t('stateMismatch') }]); return; }
    void completeOidcLogin({ tenantSlug: trip.tenantSlug, code, codeVerifier: trip.codeVerifier, redirectUri: trip.redirectUri, nonce: trip.nonce })
      .then((errs) => {
        if (errs.length) setErrors(errs);
        // Signed in: leave the callback URL (its code) out of the history.
        else navigate('/', { replace: true });
      })
      .catch((err: Error) => setErrors([{ code: 'NETWORK', message: err.message }]));
  }, [completeOidcLogin, navigate, search, t]);

  return (
    <main className="login" id="main">
      <div className="card login-card">
        {errors ? (
          <>
            <h1>{t('failed')}</h1>
            <UserErrors errors={errors} />
            <button type="button" className="button primary" onClick={() => navigate('/', { replace: true })}>{t('back')}</button>
          </>
        ) : (
          <>
            <h1>{t('title')}</h1>
            <Loading rows={1} />
          </>
        )}
      </div>
    </main>
  );
}
