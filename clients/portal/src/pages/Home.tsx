/** The tenant's home: its name; the products list arrives with `originationLandings`. */
import { useRequiredTenant } from '../lib/tenant';

export default function Home() {
  const tenant = useRequiredTenant();
  return <section className="narrow"><h1>{tenant.branding.displayName}</h1></section>;
}
