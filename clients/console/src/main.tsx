import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { ApolloProvider } from '@apollo/client/react';
import { createApolloClient } from './lib/apollo';
import { AuthProvider } from './lib/auth';
import { LocaleProvider } from '@imagy/web-kit/i18n';
import { RouterProvider } from '@imagy/web-kit/router';
import { App } from './App';
import './styles.css';

const { client } = createApolloClient();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <ApolloProvider client={client}>
      <LocaleProvider>
        <RouterProvider>
          <AuthProvider>
            <App />
          </AuthProvider>
        </RouterProvider>
      </LocaleProvider>
    </ApolloProvider>
  </StrictMode>,
);
