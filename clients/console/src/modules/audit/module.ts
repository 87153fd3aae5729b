import type { ConsoleModule } from '../types';
import { CAN } from '../../lib/roles';

export default {
  id: 'audit',
  order: 60,
  label: { es: 'Auditoría', en: 'Audit' },
  roles: CAN.readAudit,
  load: () => import('./AuditPage'),
} satisfies ConsoleModule;
