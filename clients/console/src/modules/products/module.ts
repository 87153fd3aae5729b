import type { ConsoleModule } from '../types';
import { CAN } from '../../lib/roles';

export default {
  id: 'products',
  order: 10,
  label: { es: 'Productos de crédito', en: 'Credit products' },
  roles: CAN.readProducts,
  load: () => import('./ProductsPage'),
} satisfies ConsoleModule;
