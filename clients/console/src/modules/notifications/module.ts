import type { ConsoleModule } from '../types';
import { CAN } from '../../lib/roles';

export default {
  id: 'notifications',
  order: 40,
  label: { es: 'Notificaciones', en: 'Notifications' },
  roles: CAN.readTemplates,
  load: () => import('./NotificationsPage'),
} satisfies ConsoleModule;
