import type { ConsoleModule } from '../types';
import { CAN } from '../../lib/roles';

export default {
  id: 'credits',
  order: 20,
  label: { es: 'Cartera', en: 'Portfolio' },
  roles: CAN.readPortfolio,
  load: () => import('./CreditsPage'),
} satisfies ConsoleModule;
