/** flow's migrations, in order (committed; run under an advisory lock at start). */
import { InitFlow } from './0001-init';

export const migrations = [{ name: 'InitFlow', class: InitFlow }];
