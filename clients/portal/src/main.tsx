import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { ApolloProvider } from '@apollo/client/react';
import { LocaleProvider } from '@imagy/web-kit/i18n';
import { RouterProvider } from '@imagy/web-kit/router';
import { createPortalClient } from './lib/apollo';
import { AuthProvider } from './lib/auth';
import { App, preload } from './App';
import './styles.css';

const { client } = createPortalClient();
preload(client, window.location.pathname);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <ApolloProvider client={client}>
      <LocaleProvider storageKey="imagy.portal.locale">
        <RouterProvider>
          <AuthProvider>
            <App />
          </AuthProvider>
        </RouterProvider>
      </LocaleProvider>
    </ApolloProvider>
  </StrictMode>,
);
