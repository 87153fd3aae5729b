/** notifications's migrations, in order (committed; run under an advisory lock at start). */
import { InitNotifications } from './0001-init';

export const migrations = [{ name: 'InitNotifications', class: InitNotifications }];
