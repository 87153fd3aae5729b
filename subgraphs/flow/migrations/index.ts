/** flow's migrations, in order (committed; run under an advisory lock at start). */
import { InitFlow } from './0001-init';
import { ExternalRefAndLeases } from './0002-external-ref-and-leases';
import { ProviderSecrets } from './0003-provider-secrets';

export const migrations = [{ name: 'InitFlow', class: InitFlow }, { name: 'ExternalRefAndLeases', class: ExternalRefAndLeases }, { name: 'ProviderSecrets', class: ProviderSecrets }];
