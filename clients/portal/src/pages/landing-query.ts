/**
 * The landing's query, apart from its page so that the first load asks for it at once (App.tsx),
 * alongside the tenant and the page's chunk, instead of after both.
 */
import { graphql } from '../__generated__';

export const LandingQuery = graphql(`
  query PortalLanding($productCode: String!, $host: String!) {
    originationLanding(productCode: $productCode, host: $host) {
      productId productCode productName currency minAmount maxAmount minTerm maxTerm title blocks legalFooter
      legalDocuments { id code version title }
    }
  }
`);
