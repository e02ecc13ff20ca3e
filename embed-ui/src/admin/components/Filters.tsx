import { useEffect, useState } from 'preact/hooks';
import { useConsole } from '../context.ts';
import { navigate, withFilters } from '../router.ts';
import { SelectField, TextField } from './Field.tsx';

/** One filter control: a free-text field or a select of options (with "All" first). */
export type FilterField =
  | { key: string; label: string; kind: 'text'; placeholder?: string }
  | { key: string; label: string; kind: 'select'; options: readonly { value: string; label: string }[] }
  | { key: string; label: string; kind: 'datetime' };

/**
 * The filters of a list as a search form: "Apply" puts them in the URL query (so a filtered list is
 * a link to share), which reloads the list from the server; "Clear filters" drops them.
 */
export function Filters({
  label,
  pathname,
  fields,
  values,
}: {
  label: string;
  pathname: string;
  fields: readonly FilterField[];
  values: Partial<Record<string, string>>;
}) {
  const { t } = useConsole();
  const [draft, setDraft] = useState<Record<string, string>>({});
  const key = JSON.stringify(values);
  useEffect(() => {
    setDraft(Object.fromEntries(fields.map((f) => [f.key, values[f.key] ?? ''])));
  }, [key]);
  const set = (k: string) => (v: string) => setDraft((d) => ({ ...d, [k]: v }));
  const active = Object.values(values).some(Boolean);
  return (
    <search class="pb-filters-wrap" aria-label={label}>
      <form
        class="pb-filters"
        onSubmit={(e) => {
          e.preventDefault();
          navigate(withFilters(pathname, Object.fromEntries(fields.map((f) => [f.key, draft[f.key]]))));
        }}
      >
        {fields.map((f) =>
          f.kind === 'select' ? (
            <SelectField
              key={f.key}
              label={f.label}
              value={draft[f.key] ?? ''}
              onChange={set(f.key)}
              options={[{ value: '', label: t('filterAll') }, ...f.options]}
            />
          ) : (
            <TextField
              key={f.key}
              label={f.label}
              type={f.kind === 'datetime' ? 'datetime-local' : 'text'}
              value={draft[f.key] ?? ''}
              onInput={set(f.key)}
              {...(f.kind === 'text' && f.placeholder ? { placeholder: f.placeholder } : {})}
            />
          ),
        )}
        <div class="pb-actions pb-filters-actions">
          <button type="submit" class="pb-btn pb-btn-primary">
            {t('applyFilters')}
          </button>
          {active && (
            <button type="button" class="pb-btn" onClick={() => navigate(pathname)}>
              {t('clearFilters')}
            </button>
          )}
        </div>
      </form>
    </search>
  );
}
