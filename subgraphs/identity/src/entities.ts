/**
 * The MikroORM entities of identity, registered with the ORM at start. Which tables are entities
 * and which are plain SQL, and why, is in README.md ("Persistence") and docs/adr/0002.
 */
import { ApiKeyEntity, ApiKeyPrefixEntity } from './api-keys/api-keys.store';
import { TenantEntity, TenantHostnameEntity } from './tenants/tenants.store';
import { UserEntity } from './users/users.store';

export const entities = [TenantEntity, TenantHostnameEntity, UserEntity, ApiKeyEntity, ApiKeyPrefixEntity];
