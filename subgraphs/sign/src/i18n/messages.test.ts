import { testMessageCatalogue } from '@imagy/platform/graphql/testing';
import { messages } from './messages';

testMessageCatalogue('sign', messages);
