/**
 * The landing step's content builder (seed 5.6): text and image blocks added, edited, reordered
 * (up / down) and removed, with a preview of the landing as the portal shows it (title, blocks,
 * legal footer). The value stays the JSON text the pipeline editor saves as `config.blocks`; a
 * value that is not a list of blocks falls back to editing the JSON. Images are not fetched in the
 * preview (the console's CSP allows only its own origin): their place, URL and alt text are shown.
 */
import { defineMessages, useT } from '@imagy/web-kit/i18n';
import { Select, TextArea, TextInput } from '../../ui/common';

const m = defineMessages({
  en: {
    block: 'Block {n}', kind: 'Kind', TEXT: 'Text', IMAGE: 'Image', text: 'Text', url: 'Image URL (https)', alt: 'Alternative text', addText: 'Add text block', addImage: 'Add image block',
    up: 'Move block {n} up', down: 'Move block {n} down', remove: 'Remove block {n}', upShort: '↑', downShort: '↓', removeShort: 'Remove', preview: 'Landing preview',
    imageAt: 'Image: {alt} ({url})', noBlocks: 'No blocks yet.', notList: 'The blocks are not a list: edit them as JSON.',
  },
  es: {
    block: 'Bloque {n}', kind: 'Tipo', TEXT: 'Texto', IMAGE: 'Imagen', text: 'Texto', url: 'URL de la imagen (https)', alt: 'Texto alternativo', addText: 'Agregar bloque de texto', addImage: 'Agregar bloque de imagen',
    up: 'Subir bloque {n}', down: 'Bajar bloque {n}', remove: 'Quitar bloque {n}', upShort: '↑', downShort: '↓', removeShort: 'Quitar', preview: 'Vista previa de la landing',
    imageAt: 'Imagen: {alt} ({url})', noBlocks: 'Aún no hay bloques.', notList: 'Los bloques no son una lista: edítelos como JSON.',
  },
});

interface Block { kind: 'TEXT' | 'IMAGE'; text: string; url: string; alt: string }

const str = (v: unknown) => (typeof v === 'string' ? v : '');
/** The blocks in the JSON text, or null when it is not a list of objects. */
export function parseBlocks(value: string): Block[] | null {
  try {
    const list: unknown = JSON.parse(value || '[]');
    if (!Array.isArray(list)) return null;
    const blocks: Block[] = [];
    for (const b of list) {
      if (typeof b !== 'object' || b === null || Array.isArray(b)) return null;
      const r = b as Record<string, unknown>;
      blocks.push({ kind: r.kind === 'IMAGE' ? 'IMAGE' : 'TEXT', text: str(r.text), url: str(r.url), alt: str(r.alt) });
    }
    return blocks;
  } catch {
    return null;
  }
}
const serialise = (blocks: Block[]) => JSON.stringify(blocks.map((b) => (b.kind === 'TEXT' ? { kind: 'TEXT', text: b.text } : { kind: 'IMAGE', url: b.url, alt: b.alt })), null, 2);

export function LandingBlocks({ label, value, error, onChange }: { label: string; value: string; error?: string; onChange(v: string): void }) {
  const t = useT(m);
  const blocks = parseBlocks(value);
  if (!blocks) return <><TextArea label={label} value={value} onChange={(e) => onChange(e.target.value)} error={error} rows={6} spellCheck={false} /><small>{t('notList')}</small></>;
  const set = (next: Block[]) => onChange(serialise(next));
  const patch = (i: number, p: Partial<Block>) => set(blocks.map((b, j) => (j === i ? { ...b, ...p } : b)));
  const move = (from: number, to: number) => {
    if (to < 0 || to >= blocks.length) return;
    const next = [...blocks];
    const [b] = next.splice(from, 1);
    next.splice(to, 0, b!);
    set(next);
  };
  return (
    <fieldset className="landing-blocks">
      <legend>{label}</legend>
      {error && <p className="field-error" role="alert">{error}</p>}
      {!blocks.length && <p><small>{t('noBlocks')}</small></p>}
      {blocks.map((b, i) => (
        <fieldset key={i} className="landing-block">
          <legend>{t('block', { n: i + 1 })} · {t(b.kind)}</legend>
          <div className="step-toolbar">
            <button type="button" className="button ghost" aria-label={t('up', { n: i + 1 })} disabled={i === 0} onClick={() => move(i, i - 1)}>{t('upShort')}</button>
            <button type="button" className="button ghost" aria-label={t('down', { n: i + 1 })} disabled={i === blocks.length - 1} onClick={() => move(i, i + 1)}>{t('downShort')}</button>
            <button type="button" className="button ghost" aria-label={t('remove', { n: i + 1 })} onClick={() => set(blocks.filter((_, j) => j !== i))}>{t('removeShort')}</button>
          </div>
          <Select label={t('kind')} value={b.kind} onChange={(e) => patch(i, { kind: e.target.value === 'IMAGE' ? 'IMAGE' : 'TEXT' })} options={[{ value: 'TEXT', label: t('TEXT') }, { value: 'IMAGE', label: t('IMAGE') }]} />
          {b.kind === 'TEXT'
            ? <TextArea label={t('text')} value={b.text} onChange={(e) => patch(i, { text: e.target.value })} rows={3} />
            : <>
                <TextInput label={t('url')} type="url" value={b.url} onChange={(e) => patch(i, { url: e.target.value })} />
                <TextInput label={t('alt')} value={b.alt} onChange={(e) => patch(i, { alt: e.target.value })} />
              </>}
        </fieldset>
      ))}
      <div className="step-toolbar">
        <button type="button" className="button secondary" onClick={() => set([...blocks, { kind: 'TEXT', text: '', url: '', alt: '' }])}>{t('addText')}</button>
        <button type="button" className="button secondary" onClick={() => set([...blocks, { kind: 'IMAGE', text: '', url: '', alt: '' }])}>{t('addImage')}</button>
      </div>
    </fieldset>
  );
}

/** The landing as the applicant sees it (the portal reads the same config through originationLanding). */
export function LandingPreview({ title, blocks, legalFooter }: { title: string; blocks: string; legalFooter: string }) {
  const t = useT(m);
  const list = parseBlocks(blocks) ?? [];
  return (
    <section className="landing-preview" aria-label={t('preview')}>
      <p className="landing-preview-label"><small>{t('preview')}</small></p>
      <h3>{title}</h3>
      {list.map((b, i) => b.kind === 'TEXT'
        ? <p key={i}>{b.text}</p>
        : <div key={i} className="landing-preview-image" role="img" aria-label={b.alt || b.url || t('IMAGE')}>{t('imageAt', { alt: b.alt, url: b.url })}</div>)}
      {legalFooter && <footer><small>{legalFooter}</small></footer>}
    </section>
  );
}
