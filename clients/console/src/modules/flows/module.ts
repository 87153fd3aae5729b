import type { ConsoleModule } from '../types';
import { CAN } from '../../lib/roles';

export default {
  id: 'flows',
  order: 50,
  label: { es: 'Flujos de verificación', en: 'Verification flows' },
  roles: CAN.readFlows,
  load: () => import('./FlowsPage'),
} satisfies ConsoleModule;
