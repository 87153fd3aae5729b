/** The portal's Apollo Client: persisted ids only (schema/persisted-documents.portal.json), the borrower's token when signed in. */
import { createApolloClient } from '@imagy/web-kit/apollo';
import { session } from './session';

export const createPortalClient = () => createApolloClient({
  session,
  typePolicies: {
    // Values without an id of their own, identified by their parent.
    Simulation: { keyFields: false },
    ScheduleTotals: { keyFields: false },
    OriginationLanding: { keyFields: false },
    SimulatorConfig: { keyFields: false },
    FlowSession: { keyFields: false },
    SigningSession: { keyFields: false },
    PayoffQuote: { keyFields: false },
  },
});
