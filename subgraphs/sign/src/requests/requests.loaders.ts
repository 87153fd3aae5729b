/** Per-request DataLoaders of sign (a list of N requests costs one SQL statement per field). */
import DataLoader from 'dataloader';
import type { AuthContext } from '@imagy/platform/auth';
import type { TrailEntry } from '../trail/trail.store';
import type { RequestsService, SignatureRequest, Signer } from './requests.service';
import type { SignatureDocument } from './requests.store';

const NONE_TENANT = '00000000-0000-0000-0000-000000000000';

export function createSignLoaders(requests: RequestsService, auth: AuthContext) {
  const tenantId = auth.tenantId ?? NONE_TENANT;
  return {
    requestById: new DataLoader<string, SignatureRequest | null>((ids) => requests.byIds(auth, ids)),
    documentsByRequest: new DataLoader<string, SignatureDocument[]>((ids) => requests.documentsOf(tenantId, ids)),
    signersByRequest: new DataLoader<string, Signer[]>((ids) => requests.signersOf(tenantId, ids)),
    trailByRequest: new DataLoader<string, TrailEntry[]>((ids) => requests.trailsOf(tenantId, ids)),
    /** Keyed by `<tenantId>:<documentId>`: a signing session's documents are read in the token's tenant. */
    content: new DataLoader<string, Buffer | null, string>(async (keys) => {
      const out = new Map<string, Buffer | null>();
      for (const tenant of new Set(keys.map((k) => k.slice(0, 36)))) {
        const ids = keys.filter((k) => k.startsWith(tenant)).map((k) => k.slice(37));
        const found = await requests.contents(tenant, ids);
        ids.forEach((id, i) => out.set(`${tenant}:${id}`, found[i] ?? null));
      }
      return keys.map((k) => out.get(k) ?? null);
    }),
  };
}

export type SignLoaders = ReturnType<typeof createSignLoaders>;
