/** Reading the local provider's mailbox: staff only, newest first. */
import type { AuthContext } from '@imagy/platform/auth';
import { inTenantTx, type Orm } from '@imagy/platform/db';
import { unstorableText } from '@imagy/platform/graphql';
import { BadInputError, pageSize, requireRole, toConnection, type Connection } from '@imagy/platform/server';
import { keysetAfter, keysetOf } from '../common/cursor';
import { MAILBOX_READERS } from '../common/roles';
import { mailboxStore, type LocalMessage } from './mailbox.store';

export type { LocalMessage };

export class MailboxService {
  constructor(private readonly orm: Orm) {}

  async list(auth: AuthContext, args: { first?: number | null; after?: string | null; recipient?: string | null }): Promise<Connection<LocalMessage>> {
    const user = requireRole(auth, ...MAILBOX_READERS);
    const limit = pageSize(args.first);
    const after = keysetAfter(args.after);
    const recipient = args.recipient?.trim() || null;
    if (recipient !== null && (recipient.length > 2048 || unstorableText(recipient))) throw new BadInputError('recipient must be an address, phone, token or URL', 'recipient');
    const rows = await inTenantTx(this.orm, { tenantId: user.tenantId }, (em) => mailboxStore.page(em, limit, after, recipient));
    return toConnection(rows, limit, keysetOf);
  }
}
