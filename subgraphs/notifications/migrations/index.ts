/** notifications's migrations, in order (committed; run under an advisory lock at start). */
import { InitNotifications } from './0001-init';
import { QueuedDelivery } from './0002-queued-delivery';

export const migrations = [
  { name: 'InitNotifications', class: InitNotifications },
  { name: 'QueuedDelivery', class: QueuedDelivery },
];
