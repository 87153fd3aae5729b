/**
 * Test helper for message catalogues; jest only (it declares a test). In a subgraph:
 *
 *   import { testMessageCatalogue } from '@imagy/platform/graphql/testing';
 *   testMessageCatalogue('lending', messages);
 */
import { catalogueProblems, type MessageCatalogue } from '../i18n';

/** Declares one test: every code of the catalogue has non-empty English and Spanish texts using the same {params}. */
export function testMessageCatalogue(name: string, messages: MessageCatalogue): void {
  test(`every ${name} message code has English and Spanish texts with the same parameters`, () => {
    expect(Object.keys(messages).length).toBeGreaterThan(0);
    expect(catalogueProblems(messages)).toEqual([]);
  });
}
