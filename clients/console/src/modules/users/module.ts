import type { ConsoleModule } from '../types';
import { CAN } from '../../lib/roles';

export default {
  id: 'users',
  order: 70,
  label: { es: 'Usuarios y API keys', en: 'Users and API keys' },
  roles: CAN.readUsers,
  load: () => import('./UsersPage'),
} satisfies ConsoleModule;
