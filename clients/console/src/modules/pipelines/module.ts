import type { ConsoleModule } from '../types';
import { CAN } from '../../lib/roles';

export default {
  id: 'pipelines',
  order: 12,
  label: { es: 'Flujos de originación', en: 'Origination pipelines' },
  roles: CAN.readProducts,
  load: () => import('./PipelinesPage'),
} satisfies ConsoleModule;
