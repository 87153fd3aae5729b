/** Standalone signing page (seed 5.19): the link sign sends, `<signing base>/<token>`. Works on any host (the token names the tenant). */
import { SigningPanel } from '../journey/SigningPanel';

export default function SignPage({ token }: { token: string }) {
  return <section className="narrow card"><SigningPanel token={token} headingLevel={1} /></section>;
}
