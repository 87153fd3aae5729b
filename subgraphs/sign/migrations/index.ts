/** sign's migrations, in order (committed; run under an advisory lock at start). */
import { InitSign } from './0001-init';

export const migrations = [{ name: 'InitSign', class: InitSign }];
