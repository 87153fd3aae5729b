import fs from 'node:fs';
import path from 'node:path';
import gql from 'graphql-tag';

export const SCHEMA_FILE = path.join(__dirname, '..', 'schema.graphql');
export const typeDefs = gql(fs.readFileSync(SCHEMA_FILE, 'utf8'));
