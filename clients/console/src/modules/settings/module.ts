import type { ConsoleModule } from '../types';
import { ROLE } from '../../lib/roles';

/** The institution's settings: the public portal's branding (identity's updateTenantBranding, tenant_admin only). */
export default {
  id: 'settings',
  order: 90,
  label: { es: 'Institución', en: 'Institution' },
  roles: [ROLE.tenantAdmin],
  load: () => import('./SettingsPage'),
} satisfies ConsoleModule;
