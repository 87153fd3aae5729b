/**
 * Origination pipeline editor (lending's `ProductVersion.pipeline`, saved with
 * `updateDraftPipeline`): the ordered steps of a product's DRAFT version, reordered by drag and drop
 * or with the move up / down buttons (the keyboard way), enabled or disabled, added or removed; each
 * step's configuration form is generated from its type's JSON Schema as lending publishes it
 * (`pipelineStepTypes`, ./SchemaForm.tsx) and its condition (runWhen amount range, for the types
 * that allow one). The server validates everything; its userErrors are shown next to the field they name
 * (`steps.<i>.config.<path>`, `steps.<i>.runWhen.minAmount`...). Published versions are read-only.
 */
import { useRef, useState, type DragEvent } from 'react';
import { useMutation, useQuery } from '@apollo/client/react';
import { graphql } from '../../__generated__';
import type { PipelineStepInput, PipelineStepType, PipelineStepTypeDefinition } from '../../__generated__/graphql';
import { useAuth } from '../../lib/auth';
import { defineMessages, useLocale, useT } from '@imagy/web-kit/i18n';
import { CAN } from '../../lib/roles';
import { Link } from '@imagy/web-kit/router';
import { Badge, Notice, PageHeader, Section, Select, TextInput, UserErrors, type UserErrorLike } from '../../ui/common';
import { PAGE_SIZE, useCursorPager } from '../../ui/pager';
import { ConnectionList } from '../../ui/list';
import { EmptyState, QueryView } from '@imagy/web-kit/states';
import { common } from '@imagy/web-kit/messages';
import { LandingPreview } from './LandingBuilder';
import { initialValue, propertiesOf, SchemaFields, type ConfigErrors, type Schema } from './SchemaForm';

const m = defineMessages({
  en: {
    title: 'Origination pipelines', subtitle: 'The steps an application goes through, per product version.', product: 'Product', versions: 'Versions', pager: 'Product pages',
    empty: 'No credit products yet', pipelineOf: 'Pipeline of {code} · v{n}', readOnly: 'This version is {status}: its pipeline cannot change. Create a draft to edit it.',
    pendingReadOnly: 'The draft waits for publication approval: its pipeline cannot change now.', isDefault: 'Default pipeline (not configured for this product yet).',
    steps: 'Steps', step: 'Step', key: 'Key', type: 'Type', enabled: 'Enabled', moveUp: 'Move {key} up', moveDown: 'Move {key} down', remove: 'Remove {key}',
    up: 'Up', down: 'Down', del: 'Remove', runWhen: 'Run only for amounts', minAmount: 'From amount', maxAmount: 'Up to amount', addStep: 'Add step', newKey: 'New step key',
    newType: 'New step type', save: 'Save pipeline', saved: 'Pipeline saved.', invalidJson: 'Not valid JSON.', dragHint: 'Drag a step to reorder it, or use its Up and Down buttons.',
    noConfig: 'This step has no configuration.', disabled: 'disabled', reset: 'Discard changes',
    invalidJsonSave: 'Fix the fields that are not valid JSON first.',
  },
  es: {
    title: 'Flujos de originación', subtitle: 'Los pasos que recorre una solicitud, por versión de producto.', product: 'Producto', versions: 'Versiones', pager: 'Páginas de productos',
    empty: 'Aún no hay productos de crédito', pipelineOf: 'Flujo de {code} · v{n}', readOnly: 'Esta versión está {status}: su flujo no puede cambiar. Cree un borrador para editarlo.',
    pendingReadOnly: 'El borrador espera la aprobación de su publicación: su flujo no puede cambiar ahora.', isDefault: 'Flujo por defecto (aún no configurado para este producto).',
    steps: 'Pasos', step: 'Paso', key: 'Clave', type: 'Tipo', enabled: 'Activo', moveUp: 'Subir {key}', moveDown: 'Bajar {key}', remove: 'Quitar {key}',
    up: 'Subir', down: 'Bajar', del: 'Quitar', runWhen: 'Ejecutar solo para montos', minAmount: 'Desde el monto', maxAmount: 'Hasta el monto', addStep: 'Agregar paso', newKey: 'Clave del nuevo paso',
    newType: 'Tipo del nuevo paso', save: 'Guardar flujo', saved: 'Flujo guardado.', invalidJson: 'No es JSON válido.', dragHint: 'Arrastre un paso para reordenarlo, o use sus botones Subir y Bajar.',
    noConfig: 'Este paso no tiene configuración.', disabled: 'inactivo', reset: 'Descartar cambios',
    invalidJsonSave: 'Corrija primero los campos que no son JSON válido.',
  },
});

export default function PipelinesPage({ path }: { path: string[] }) {
  const [productId, versionId] = path;
  return productId ? <ProductPipeline productId={productId} versionId={versionId} /> : <ProductList />;
}

const ProductsQuery = graphql(`
  query ConsolePipelineProducts($first: Int, $after: String) {
    creditProducts(first: $first, after: $after) {
      edges { node { id code name status versions { id number status } } }
      pageInfo { hasNextPage endCursor }
    }
  }
`);

function ProductList() {
  const t = useT(m);
  const pager = useCursorPager();
  const q = useQuery(ProductsQuery, { variables: { first: PAGE_SIZE, after: pager.after } });
  return (
    <>
      <PageHeader title={t('title')} subtitle={t('subtitle')} />
      <ConnectionList result={q} connection={(d) => d.creditProducts} pager={pager} pagerLabel={t('pager')} caption={t('title')}
        columns={[t('product'), t('versions')]} empty={<EmptyState title={t('empty')} />}
        row={(e) => (
          <tr key={e.node.id}>
            <td>{e.node.code} · {e.node.name}</td>
            <td>{e.node.versions.map((v) => <span key={v.id} className="version-link"><Link to={`/pipelines/${e.node.id}/${v.id}`}>v{v.number}</Link> <Badge value={v.status} /></span>)}</td>
          </tr>
        )} />
    </>
  );
}

const StepTypesQuery = graphql(`
  query ConsolePipelineStepTypes($locale: String) {
    pipelineStepTypes(locale: $locale) { type label description configSchema unique placement conditional }
  }
`);

type StepTypeDef = Pick<PipelineStepTypeDefinition, 'type' | 'label' | 'description' | 'unique' | 'placement' | 'conditional'> & { configSchema: unknown };

const ProductPipelineQuery = graphql(`
  query ConsoleProductPipeline($id: ID!) {
    creditProduct(id: $id) {
      id code name
      pendingChangeRequests { id version { id } }
      versions { id number status pipeline { isDefault steps { key type enabled config runWhen { minAmount maxAmount } } } }
    }
  }
`);

const SavePipeline = graphql(`
  mutation ConsoleUpdateDraftPipeline($input: UpdateDraftPipelineInput!) {
    updateDraftPipeline(input: $input) {
      version { id pipeline { isDefault steps { key type enabled config runWhen { minAmount maxAmount } } } }
      userErrors { code message field }
    }
  }
`);

interface ServerStep { key: string; type: PipelineStepType; enabled: boolean; config: unknown; runWhen?: { minAmount?: string | null; maxAmount?: string | null } | null }
interface EditStep { uid: string; key: string; type: PipelineStepType; enabled: boolean; config: Record<string, unknown>; minAmount: string; maxAmount: string }

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
let uidSeq = 0;

function toEdit(s: ServerStep): EditStep {
  return { uid: `s${++uidSeq}`, key: s.key, type: s.type, enabled: s.enabled, config: isRecord(s.config) ? s.config : {}, minAmount: s.runWhen?.minAmount ?? '', maxAmount: s.runWhen?.maxAmount ?? '' };
}

/** The step as the API takes it. */
function toInput(s: EditStep): PipelineStepInput {
  const runWhen = s.minAmount.trim() || s.maxAmount.trim() ? { minAmount: s.minAmount.trim() || null, maxAmount: s.maxAmount.trim() || null } : null;
  return { key: s.key, type: s.type, enabled: s.enabled, config: s.config, runWhen };
}

const text = (v: unknown) => (typeof v === 'string' ? v : '');

function ProductPipeline({ productId, versionId }: { productId: string; versionId?: string }) {
  const t = useT(m);
  const tc = useT(common);
  const { locale } = useLocale();
  const q = useQuery(ProductPipelineQuery, { variables: { id: productId } });
  const types = useQuery(StepTypesQuery, { variables: { locale } });
  const [notice, setNotice] = useState<string | null>(null);
  if (!types.data) return <QueryView {...types}>{() => null}</QueryView>;
  const stepTypes = types.data.pipelineStepTypes;
  return (
    <QueryView {...q} isEmpty={(d) => !d.creditProduct} empty={<EmptyState title={tc('notFound')} action={<Link to="/pipelines">{tc('back')}</Link>} />}>
      {(d) => {
        const p = d.creditProduct!;
        const version = p.versions.find((v) => v.id === versionId) ?? p.versions.find((v) => v.status === 'DRAFT') ?? p.versions[p.versions.length - 1];
        if (!version) return <EmptyState title={tc('notFound')} />;
        const pending = p.pendingChangeRequests.some((c) => c.version?.id === version.id);
        return (
          <>
            <PageHeader title={t('pipelineOf', { code: p.code, n: version.number })} subtitle={p.name}
              actions={<Link className="button secondary" to="/pipelines">{tc('back')}</Link>} />
            <nav className="tabs" aria-label={t('versions')}>
              {p.versions.map((v) => <Link key={v.id} to={`/pipelines/${p.id}/${v.id}`} aria-current={v.id === version.id ? 'page' : undefined}>v{v.number} · {v.status}</Link>)}
            </nav>
            {notice && <Notice>{notice}</Notice>}
            {version.pipeline.isDefault && <p><small>{t('isDefault')}</small></p>}
            <PipelineEditor key={`${version.id}:${JSON.stringify(version.pipeline.steps)}`} versionId={version.id} steps={version.pipeline.steps} types={stepTypes}
              readOnly={version.status !== 'DRAFT' ? t('readOnly', { status: version.status }) : pending ? t('pendingReadOnly') : null}
              onSaved={() => setNotice(t('saved'))} onEdit={() => setNotice(null)} />
          </>
        );
      }}
    </QueryView>
  );
}

function PipelineEditor({ versionId, steps: initial, types, readOnly, onSaved, onEdit }: { versionId: string; steps: readonly ServerStep[]; types: readonly StepTypeDef[]; readOnly: string | null; onSaved(): void; onEdit(): void }) {
  const t = useT(m);
  const { can } = useAuth();
  const editable = !readOnly && can(CAN.makeProducts);
  const byType = new Map(types.map((d) => [d.type, d]));
  const schemaOf = (type: PipelineStepType): Schema => { const c = byType.get(type)?.configSchema; return isRecord(c) ? c : {}; };
  const labelOf = (type: PipelineStepType) => byType.get(type)?.label ?? type;
  const [steps, setSteps] = useState<EditStep[]>(() => initial.map(toEdit));
  const [errors, setErrors] = useState<readonly UserErrorLike[]>([]);
  // Fields whose JSON text does not parse (`<uid>:<path>`): saving waits until there is none.
  const [invalid, setInvalid] = useState<ReadonlySet<string>>(new Set());
  const [localError, setLocalError] = useState<string | null>(null);
  // The dragged step's index in a ref: changing the DOM during dragstart would cancel the drag.
  const dragging = useRef<number | null>(null);
  const [newType, setNewType] = useState<PipelineStepType>('FORM');
  const [newKey, setNewKey] = useState('');
  const [save, saving] = useMutation(SavePipeline);

  const edit = (next: EditStep[]) => { setSteps(next); onEdit(); };
  const update = (i: number, patch: Partial<EditStep>) => { setSteps((prev) => prev.map((s, j) => (j === i ? { ...s, ...patch } : s))); onEdit(); };
  const markInvalid = (uid: string) => (path: string, bad: boolean) => setInvalid((prev) => {
    const next = new Set(prev);
    if (bad) next.add(`${uid}:${path}`); else next.delete(`${uid}:${path}`);
    return next;
  });
  const move = (from: number, to: number) => {
    if (to < 0 || to >= steps.length || from === to) return;
    const next = [...steps];
    const [s] = next.splice(from, 1);
    next.splice(to, 0, s!);
    setErrors([]);
    edit(next);
  };
  const add = () => {
    const initialConfig = initialValue(schemaOf(newType));
    const step = toEdit({ key: newKey.trim(), type: newType, enabled: true, config: isRecord(initialConfig) ? initialConfig : {} });
    // Before the step the order rules keep last (the disbursement).
    const lastIndex = steps.length - 1;
    const at = lastIndex >= 0 && byType.get(steps[lastIndex]!.type)?.placement === 'LAST' ? lastIndex : steps.length;
    edit([...steps.slice(0, at), step, ...steps.slice(at)]);
    setNewKey('');
  };
  /** The server's errors for step i by sub-path (`key`, `runWhen.minAmount`, '' for the step), and its config's by config path. */
  const errorsOf = (i: number) => {
    const step: Record<string, string> = {};
    const config: ConfigErrors = {};
    for (const e of errors) {
      const match = e.field ? /^steps\.(\d+)(?:\.(.*))?$/.exec(e.field) : null;
      if (!match || Number(match[1]) !== i) continue;
      const sub = match[2] ?? '';
      const target = sub === 'config' || sub.startsWith('config.') ? config : step;
      const key = target === config ? sub.replace(/^config\.?/, '') : sub;
      target[key] = target[key] ? `${target[key]} ${e.message}` : e.message;
    }
    return { step, config };
  };
  const general = errors.filter((e) => !e.field || !/^steps\.\d+/.test(e.field));

  const submit = async () => {
    if (invalid.size) { setLocalError(t('invalidJsonSave')); return; }
    setLocalError(null);
    const r = await save({ variables: { input: { versionId, steps: steps.map(toInput) } } });
    const payload = r.data?.updateDraftPipeline;
    if (!payload) { setErrors([{ code: 'ERROR', message: r.error?.message ?? 'Error' }]); return; }
    setErrors(payload.userErrors);
    if (!payload.userErrors.length) onSaved();
  };

  return (
    <Section title={t('steps')}>
      {readOnly && <p className="alert alert-info" role="note">{readOnly}</p>}
      {editable && <p><small>{t('dragHint')}</small></p>}
      <UserErrors errors={general} />
      {localError && <p className="field-error" role="alert">{localError}</p>}
      <form onSubmit={(e) => { e.preventDefault(); void submit(); }}>
        <ol className="pipeline-steps" aria-label={t('steps')}>
          {steps.map((s, i) => {
            const { step: errs, config: configErrors } = errorsOf(i);
            const name = `${s.key} (${labelOf(s.type)})`;
            const schema = schemaOf(s.type);
            const conditional = byType.get(s.type)?.conditional !== false;
            return (
              <li key={s.uid} className={`pipeline-step${s.enabled ? '' : ' step-disabled'}`}
                draggable={editable} data-step={s.key}
                onDragStart={(e: DragEvent) => { dragging.current = i; e.dataTransfer.effectAllowed = 'move'; e.dataTransfer.setData('text/plain', s.key); }}
                onDragOver={(e: DragEvent) => { if (dragging.current !== null) e.preventDefault(); }}
                onDrop={(e: DragEvent) => { e.preventDefault(); if (dragging.current !== null) move(dragging.current, i); dragging.current = null; }}
                onDragEnd={() => { dragging.current = null; }}>
                <fieldset disabled={!editable}>
                  <legend>{i + 1}. {name}{s.enabled ? '' : ` · ${t('disabled')}`}</legend>
                  {errs[''] && <p className="field-error" role="alert">{errs['']}</p>}
                  <div className="step-toolbar">
                    <label className="checkbox"><input type="checkbox" checked={s.enabled} onChange={(e) => update(i, { enabled: e.target.checked })} /> {t('enabled')}</label>
                    <button type="button" className="button ghost" aria-label={t('moveUp', { key: s.key })} disabled={i === 0} onClick={() => move(i, i - 1)}>↑ {t('up')}</button>
                    <button type="button" className="button ghost" aria-label={t('moveDown', { key: s.key })} disabled={i === steps.length - 1} onClick={() => move(i, i + 1)}>↓ {t('down')}</button>
                    <button type="button" className="button ghost" aria-label={t('remove', { key: s.key })} onClick={() => edit(steps.filter((_, j) => j !== i))}>{t('del')}</button>
                  </div>
                  <div className="grid-2">
                    <TextInput label={t('key')} value={s.key} onChange={(e) => update(i, { key: e.target.value })} error={errs.key} required />
                    <SchemaFields schema={schema} value={s.config} errors={configErrors} onInvalid={markInvalid(s.uid)} onChange={(config) => update(i, { config })} />
                    {conditional && <>
                      <TextInput label={`${t('runWhen')}: ${t('minAmount')}`} inputMode="decimal" value={s.minAmount} onChange={(e) => update(i, { minAmount: e.target.value })} error={errs['runWhen.minAmount'] ?? errs.runWhen} />
                      <TextInput label={`${t('runWhen')}: ${t('maxAmount')}`} inputMode="decimal" value={s.maxAmount} onChange={(e) => update(i, { maxAmount: e.target.value })} error={errs['runWhen.maxAmount']} />
                    </>}
                  </div>
                  {!conditional && errs.runWhen && <p className="field-error">{errs.runWhen}</p>}
                  {s.type === 'LANDING' && <LandingPreview title={text(s.config.title)} blocks={JSON.stringify(s.config.blocks ?? [])} legalFooter={text(s.config.legalFooter)} />}
                  {configErrors[''] && <p className="field-error">{configErrors['']}</p>}
                  {propertiesOf(schema).length === 0 && <p><small>{t('noConfig')}</small></p>}
                </fieldset>
              </li>
            );
          })}
        </ol>
        {editable && (
          <>
            <div className="filters" role="group" aria-label={t('addStep')}>
              <Select label={t('newType')} value={newType} onChange={(e) => setNewType(e.target.value as PipelineStepType)} options={types.map((d) => ({ value: d.type, label: d.label }))} />
              <TextInput label={t('newKey')} value={newKey} onChange={(e) => setNewKey(e.target.value)} pattern="[a-z][a-z0-9_]{0,39}" />
              <button type="button" className="button secondary" disabled={!newKey.trim()} onClick={add}>{t('addStep')}</button>
            </div>
            <div className="page-actions">
              <button type="submit" className="button primary" disabled={saving.loading}>{t('save')}</button>
              <button type="button" className="button secondary" onClick={() => { setSteps(initial.map(toEdit)); setErrors([]); setInvalid(new Set()); setLocalError(null); }}>{t('reset')}</button>
            </div>
          </>
        )}
      </form>
    </Section>
  );
}
