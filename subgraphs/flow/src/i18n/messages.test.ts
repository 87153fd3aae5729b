import { testMessageCatalogue } from '@imagy/platform/graphql/testing';
import { messages } from './messages';

testMessageCatalogue('flow', messages);
