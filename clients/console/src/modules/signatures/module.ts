import type { ConsoleModule } from '../types';
import { CAN } from '../../lib/roles';

export default {
  id: 'signatures',
  order: 25,
  label: { es: 'Firmas', en: 'Signatures' },
  roles: CAN.readSignatures,
  load: () => import('./SignaturesPage'),
} satisfies ConsoleModule;
