import type { ConsoleModule } from '../types';
import { ROLE } from '../../lib/roles';

export default {
  id: 'sso',
  order: 80,
  label: { es: 'Inicio de sesión único', en: 'Single sign-on' },
  // identity's configureOidcProvider / oidcProvider are tenant_admin only.
  roles: [ROLE.tenantAdmin],
  load: () => import('./SsoPage'),
} satisfies ConsoleModule;
