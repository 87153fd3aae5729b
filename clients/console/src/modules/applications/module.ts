import type { ConsoleModule } from '../types';
import { CAN } from '../../lib/roles';

export default {
  id: 'applications',
  order: 15,
  label: { es: 'Solicitudes', en: 'Applications' },
  roles: CAN.readApplications,
  load: () => import('./ApplicationsPage'),
} satisfies ConsoleModule;
