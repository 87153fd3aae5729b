/**
 * Credit products (lending): list, create, detail with versions and the draft's terms, and the
 * maker-checker inbox. Makers (tenant_admin, product_manager) create and request; checkers
 * (tenant_admin, product_checker) approve or reject, never their own request (SELF_APPROVAL).
 */
import { useState } from 'react';
import { useMutation, useQuery } from '@apollo/client/react';
import { graphql, getFragmentData, type FragmentType } from '../../__generated__';
import type { ChangeRequestStatus } from '../../__generated__/graphql';
import { useAuth, Can } from '../../lib/auth';
import { useT } from '@imagy/web-kit/i18n';
import { CAN } from '../../lib/roles';
import { Link, useRouter, useSearchParam } from '@imagy/web-kit/router';
import { useFormat } from '../../lib/tenant';
import { Badge, Details, Dialog, Notice, PageHeader, Section, Select, TextArea, TextInput, UserErrors } from '../../ui/common';
import { PAGE_SIZE, useCursorPager } from '../../ui/pager';
import { ConnectionList, DataTable } from '../../ui/list';
import { EmptyState, QueryView } from '@imagy/web-kit/states';
import { common } from '@imagy/web-kit/messages';
import { m } from './messages';
import { coreOf, DEFAULT_TERMS, TermsDiff, TermsFields, termsInput, TermsTable, useFieldErrors, useTerms, type CoreTerms, type SubmitEvent } from './terms';

export default function ProductsPage({ path }: { path: string[] }) {
  const t = useT(m);
  const [first] = path;
  const tabs = (
    <nav className="tabs" aria-label={t('title')}>
      <Link to="/products" aria-current={!first ? 'page' : undefined}>{t('tabProducts')}</Link>
      <Link to="/products/inbox" aria-current={first === 'inbox' ? 'page' : undefined}>{t('tabInbox')}</Link>
    </nav>
  );
  if (first === 'new') return <NewProduct />;
  if (first === 'inbox') return <><PageHeader title={t('title')} subtitle={t('subtitle')} />{tabs}<Inbox /></>;
  if (first) return <ProductDetail id={first} />;
  return (
    <>
      <PageHeader title={t('title')} subtitle={t('subtitle')} actions={<Can roles={CAN.makeProducts}><Link className="button primary" to="/products/new">{t('newProduct')}</Link></Can>} />
      {tabs}
      <ProductList />
    </>
  );
}

const ProductRowFragment = graphql(`
  fragment ProductRow_CreditProduct on CreditProduct {
    id code name currency status createdAt
    publishedVersion { id number }
    pendingChangeRequests { id }
  }
`);

function ProductRow({ product: ref }: { product: FragmentType<typeof ProductRowFragment> }) {
  const p = getFragmentData(ProductRowFragment, ref);
  const f = useFormat();
  return (
    <tr>
      <td><Link to={`/products/${p.id}`}>{p.code}</Link></td>
      <td>{p.name}</td>
      <td>{p.currency}</td>
      <td><Badge value={p.status} /></td>
      <td className="num">{p.publishedVersion ? `v${p.publishedVersion.number}` : '—'}</td>
      <td className="num">{p.pendingChangeRequests.length}</td>
      <td>{f.dateTime(p.createdAt)}</td>
    </tr>
  );
}

const ProductsQuery = graphql(`
  query ConsoleProducts($first: Int, $after: String) {
    creditProducts(first: $first, after: $after) {
      edges { node { id ...ProductRow_CreditProduct } }
      pageInfo { hasNextPage endCursor }
    }
  }
`);

function ProductList() {
  const t = useT(m);
  const pager = useCursorPager();
  const q = useQuery(ProductsQuery, { variables: { first: PAGE_SIZE, after: pager.after } });
  return (
    <ConnectionList result={q} connection={(d) => d.creditProducts} pager={pager} pagerLabel={t('pagerProducts')} caption={t('tabProducts')}
      columns={[t('code'), t('name'), t('currency'), t('status'), { label: t('published'), numeric: true }, { label: t('pending'), numeric: true }, t('created')]}
      empty={<EmptyState title={t('emptyProducts')} hint={t('emptyProductsHint')} />}
      row={(e) => <ProductRow key={e.node.id} product={e.node} />} />
  );
}

const CreateProduct = graphql(`
  mutation ConsoleCreateProduct($input: CreateCreditProductInput!) {
    createCreditProduct(input: $input) { product { id code } version { id } userErrors { code message field } }
  }
`);

function NewProduct() {
  const t = useT(m);
  const tc = useT(common);
  const { navigate } = useRouter();
  const [code, setCode] = useState('');
  const [name, setName] = useState('');
  const [currency, setCurrency] = useState('USD');
  const [terms, setTerms] = useState<CoreTerms>(DEFAULT_TERMS);
  const { errors, setErrors, errorOf } = useFieldErrors();
  const [create, { loading }] = useMutation(CreateProduct, { refetchQueries: ['ConsoleProducts'] });
  const submit = async (e: SubmitEvent) => {
    e.preventDefault();
    const r = await create({ variables: { input: { code, name, currency, terms: termsInput(terms, null) } } });
    const payload = r.data?.createCreditProduct;
    if (!payload) return setErrors([{ code: 'ERROR', message: r.error?.message ?? tc('errorTitle') }]);
    setErrors(payload.userErrors);
    if (payload.product) navigate(`/products/${payload.product.id}?created=1`);
  };
  return (
    <>
      <PageHeader title={t('newProduct')} actions={<Link className="button secondary" to="/products">{tc('back')}</Link>} />
      <form className="card" onSubmit={submit} aria-label={t('newProduct')}>
        <UserErrors errors={errors} />
        <div className="form-row">
          <TextInput label={t('code')} name="code" value={code} onChange={(e) => setCode(e.target.value.toUpperCase())} error={errorOf('code')} required />
          <TextInput label={t('name')} name="name" value={name} onChange={(e) => setName(e.target.value)} error={errorOf('name')} required />
          <TextInput label={t('currency')} name="currency" value={currency} maxLength={3} onChange={(e) => setCurrency(e.target.value.toUpperCase())} error={errorOf('currency')} required />
        </div>
        <TermsFields value={terms} onChange={setTerms} errorOf={errorOf} />
        <button type="submit" className="button primary" disabled={loading}>{loading ? t('creating') : t('create')}</button>
      </form>
    </>
  );
}

const ProductDetailQuery = graphql(`
  query ConsoleProduct($id: ID!) {
    creditProduct(id: $id) {
      id code name currency status createdAt archivedAt
      publishedVersion { id number terms { ...TermsTable_ProductTerms } }
      versions { id number status createdAt publishedAt archivedAt terms { ...TermsTable_ProductTerms } }
      pendingChangeRequests { id kind status createdAt version { id number } }
    }
  }
`);

const RequestPublication = graphql(`
  mutation ConsoleRequestPublication($input: RequestPublicationInput!) {
    requestPublication(input: $input) { changeRequest { id status } userErrors { code message field } }
  }
`);
const CreateDraft = graphql(`
  mutation ConsoleCreateDraft($input: CreateDraftVersionInput!) {
    createDraftVersion(input: $input) { version { id number status } userErrors { code message field } }
  }
`);
const UpdateDraft = graphql(`
  mutation ConsoleUpdateDraft($input: UpdateDraftVersionInput!) {
    updateDraftVersion(input: $input) { version { id number status terms { ...TermsTable_ProductTerms } } userErrors { code message field } }
  }
`);

function ProductDetail({ id }: { id: string }) {
  const t = useT(m);
  const tc = useT(common);
  const f = useFormat();
  const [created] = useSearchParam('created');
  const q = useQuery(ProductDetailQuery, { variables: { id } });
  const [notice, setNotice] = useState<string | null>(null);
  const { errors, setErrors, errorOf } = useFieldErrors();
  const refetch = { refetchQueries: ['ConsoleProduct', 'ConsoleChangeRequests'], awaitRefetchQueries: true };
  const [requestPublication, rp] = useMutation(RequestPublication, refetch);
  const [createDraft, cd] = useMutation(CreateDraft, refetch);
  const [updateDraft, ud] = useMutation(UpdateDraft, refetch);
  const product = q.data?.creditProduct;
  const draft = product?.versions.find((v) => v.status === 'DRAFT');
  const draftTerms = useTerms(draft?.terms);
  const [edited, setEdited] = useState<CoreTerms | null>(null);
  const pendingForDraft = product?.pendingChangeRequests.some((c) => c.version?.id === draft?.id);

  const act = async (run: () => Promise<{ userErrors: readonly { code: string; message: string; field?: string | null }[] } | null | undefined>, ok: string) => {
    setNotice(null);
    const payload = await run();
    setErrors(payload?.userErrors ?? [{ code: 'ERROR', message: tc('errorTitle') }]);
    if (payload && !payload.userErrors.length) setNotice(ok);
  };

  return (
    <QueryView {...q} isEmpty={(d) => !d.creditProduct} empty={<EmptyState title={tc('notFound')} action={<Link to="/products">{tc('back')}</Link>} />}>
      {(d) => {
        const p = d.creditProduct!;
        return (
          <>
            <PageHeader title={t('detailOf', { code: p.code })} subtitle={p.name} actions={<Link className="button secondary" to="/products">{tc('back')}</Link>} />
            {created && !notice && <Notice>{t('createdOk')}</Notice>}
            {notice && <Notice>{notice}</Notice>}
            <UserErrors errors={errors} />
            <Section title={tc('details')}>
              <Details items={[[t('status'), <Badge value={p.status} />], [t('currency'), p.currency], [t('published'), p.publishedVersion ? `v${p.publishedVersion.number}` : '—'], [t('created'), f.dateTime(p.createdAt)]]} />
            </Section>
            {p.publishedVersion && <Section title={`${t('terms')} · v${p.publishedVersion.number}`}><TermsTable terms={p.publishedVersion.terms} /></Section>}
            {draft && draftTerms && (
              <Section title={`${t('draft')} · v${draft.number}`}>
                <TermsDiff draft={draft.terms} published={p.publishedVersion?.terms} />
                <Can roles={CAN.makeProducts}>
                  {!pendingForDraft && (
                    <form onSubmit={(e) => { e.preventDefault(); void act(async () => (await updateDraft({ variables: { input: { versionId: draft.id, terms: termsInput(edited ?? coreOf(draftTerms), draftTerms) } } })).data?.updateDraftVersion, t('draftSaved')); }} aria-label={t('saveDraft')}>
                      <h3>{t('saveDraft')}</h3>
                      <TermsFields value={edited ?? coreOf(draftTerms)} onChange={setEdited} errorOf={errorOf} />
                      <div className="page-actions">
                        <button type="submit" className="button secondary" disabled={ud.loading}>{t('saveDraft')}</button>
                        <button type="button" className="button primary" disabled={rp.loading} onClick={() => void act(async () => (await requestPublication({ variables: { input: { versionId: draft.id } } })).data?.requestPublication, t('requested'))}>{t('requestPublication')}</button>
                      </div>
                    </form>
                  )}
                </Can>
              </Section>
            )}
            {!draft && p.status !== 'ARCHIVED' && (
              <Can roles={CAN.makeProducts}>
                <p><button type="button" className="button secondary" disabled={cd.loading} onClick={() => void act(async () => (await createDraft({ variables: { input: { productId: p.id } } })).data?.createDraftVersion, t('draftSaved'))}>{t('newDraft')}</button></p>
              </Can>
            )}
            <Section title={t('versions')}>
              <DataTable columns={[t('version'), t('status'), t('created'), t('publishedAt')]}>
                  {p.versions.map((v) => <tr key={v.id}><td>v{v.number}</td><td><Badge value={v.status} /></td><td>{f.dateTime(v.createdAt)}</td><td>{f.dateTime(v.publishedAt)}</td></tr>)}
              </DataTable>
            </Section>
          </>
        );
      }}
    </QueryView>
  );
}

const ChangeRequestRowFragment = graphql(`
  fragment InboxRow_ChangeRequest on ChangeRequest {
    id kind status makerId checkerId reason createdAt decidedAt
    product { id code name publishedVersion { id terms { ...TermsTable_ProductTerms } } }
    version { id number terms { ...TermsTable_ProductTerms } }
  }
`);

const ChangeRequestsQuery = graphql(`
  query ConsoleChangeRequests($status: ChangeRequestStatus, $first: Int, $after: String) {
    changeRequests(status: $status, first: $first, after: $after) {
      edges { node { id ...InboxRow_ChangeRequest } }
      pageInfo { hasNextPage endCursor }
    }
  }
`);
const Approve = graphql(`
  mutation ConsoleApproveChange($input: ApproveChangeRequestInput!) { approveChangeRequest(input: $input) { changeRequest { id status } userErrors { code message field } } }
`);
const Reject = graphql(`
  mutation ConsoleRejectChange($input: RejectChangeRequestInput!) { rejectChangeRequest(input: $input) { changeRequest { id status reason } userErrors { code message field } } }
`);

const STATUSES: ChangeRequestStatus[] = ['PENDING', 'APPROVED', 'REJECTED'];

function Inbox() {
  const t = useT(m);
  const tc = useT(common);
  const [status, setStatus] = useSearchParam('status');
  const current = (STATUSES as string[]).includes(status) ? (status as ChangeRequestStatus) : 'PENDING';
  const pager = useCursorPager(current);
  const q = useQuery(ChangeRequestsQuery, { variables: { status: current, first: PAGE_SIZE, after: pager.after } });
  const [notice, setNotice] = useState<string | null>(null);
  const [errors, setErrors] = useState<readonly { code: string; message: string; field?: string | null }[]>([]);
  return (
    <>
      <div className="filters">
        <Select label={t('statusFilter')} value={current} onChange={(e) => setStatus(e.target.value)} options={STATUSES.map((s) => ({ value: s, label: s }))} />
      </div>
      {notice && <Notice>{notice}</Notice>}
      <UserErrors errors={errors} />
      <ConnectionList result={q} connection={(d) => d.changeRequests} pager={pager} pagerLabel={t('pagerInbox')} caption={t('tabInbox')}
        columns={[t('kind'), t('product'), t('version'), t('status'), t('requestedAt'), tc('actions')]}
        empty={<EmptyState title={t('inboxEmpty')} hint={t('inboxEmptyHint')} />}
        row={(e) => <InboxRow key={e.node.id} request={e.node} onDone={(ok, errs) => { setErrors(errs); setNotice(ok); }} />} />
    </>
  );
}

function InboxRow({ request: ref, onDone }: { request: FragmentType<typeof ChangeRequestRowFragment>; onDone(ok: string | null, errors: readonly { code: string; message: string; field?: string | null }[]): void }) {
  const r = getFragmentData(ChangeRequestRowFragment, ref);
  const t = useT(m);
  const tc = useT(common);
  const f = useFormat();
  const { session } = useAuth();
  const [showDiff, setShowDiff] = useState(false);
  const [rejecting, setRejecting] = useState(false);
  const [reason, setReason] = useState('');
  const refetch = { refetchQueries: ['ConsoleChangeRequests', 'ConsoleProducts'], awaitRefetchQueries: true };
  const [approve, a] = useMutation(Approve, refetch);
  const [reject, rj] = useMutation(Reject, refetch);
  const own = r.makerId === session?.user.id;
  const done = (payload: { userErrors: readonly { code: string; message: string; field?: string | null }[] } | null | undefined, ok: string) =>
    onDone(payload && !payload.userErrors.length ? ok : null, payload?.userErrors ?? [{ code: 'ERROR', message: tc('errorTitle') }]);
  return (
    <tr>
      <td>{t(r.kind)}</td>
      <td><Link to={`/products/${r.product.id}`}>{r.product.code}</Link> · {r.product.name}</td>
      <td>{r.version ? `v${r.version.number}` : '—'}</td>
      <td><Badge value={r.status} />{r.reason ? <div><small>{t('reason')}: {r.reason}</small></div> : null}</td>
      <td>{f.dateTime(r.createdAt)}</td>
      <td>
        <div className="page-actions">
          {r.version && <button type="button" className="button secondary" onClick={() => setShowDiff(true)}>{t('diff')}</button>}
          {r.status === 'PENDING' && (
            <Can roles={CAN.checkProducts}>
              {own ? <small>{t('ownRequest')}</small> : (
                <>
                  <button type="button" className="button primary" disabled={a.loading} onClick={async () => done((await approve({ variables: { input: { id: r.id } } })).data?.approveChangeRequest, t('approved'))}>{t('approve')}</button>
                  <button type="button" className="button danger" onClick={() => setRejecting(true)}>{t('reject')}</button>
                </>
              )}
            </Can>
          )}
        </div>
        {r.version && (
          <Dialog open={showDiff} title={`${r.product.code} · v${r.version.number}`} onClose={() => setShowDiff(false)}>
            <TermsDiff draft={r.version.terms} published={r.product.publishedVersion?.id === r.version.id ? null : r.product.publishedVersion?.terms} />
          </Dialog>
        )}
        <Dialog open={rejecting} title={t('rejectTitle')} onClose={() => setRejecting(false)}>
          <form onSubmit={async (e) => { e.preventDefault(); setRejecting(false); done((await reject({ variables: { input: { id: r.id, reason } } })).data?.rejectChangeRequest, t('rejected')); }}>
            <TextArea label={t('reasonLabel')} value={reason} onChange={(e) => setReason(e.target.value)} required />
            <button type="submit" className="button danger" disabled={rj.loading}>{t('reject')}</button>
          </form>
        </Dialog>
      </td>
    </tr>
  );
}

