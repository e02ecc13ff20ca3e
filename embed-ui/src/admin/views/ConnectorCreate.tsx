import type { CatalogEntryOut } from '@patchbay/shared';
import { useEffect, useState } from 'preact/hooks';
import type { ApiError, Issue } from '../../lib/api.ts';
import { Empty, ErrorAlert } from '../components/Feedback.tsx';
import { RadioGroup, Section, TextField } from '../components/Field.tsx';
import { Link } from '../components/Link.tsx';
import { PageHeader } from '../components/Page.tsx';
import { type ConnectorForm, catalogBody, createBody, emptyConnectorForm, sortIssues } from '../connectorForm.ts';
import { useConsole } from '../context.ts';
import { useAction, useLoad } from '../hooks.ts';
import { isAdmin } from '../permissions.ts';
import { navigate, readFilters, sectionPath, withFilters } from '../router.ts';
import { ConnectorFormFields } from './ConnectorFormFields.tsx';

/** Issues of a refused save that no input shows, as a list under the form. */
export function OtherIssues({ issues }: { issues: readonly Issue[] }) {
  if (issues.length === 0) return null;
  return (
    <ul class="pb-issues">
      {issues.map((i) => (
        <li key={i.path}>
          <code>{i.path}</code>: {i.message}
        </li>
      ))}
    </ul>
  );
}

/** Adds a connector: a provider of the built-in catalogue (searchable by name), or a custom service. */
export function ConnectorCreate({ search }: { search: string }) {
  const c = useConsole();
  const { t, api } = c;
  const source = readFilters(search, { source: ['catalog', 'custom'] }).source ?? 'catalog';
  const [query, setQuery] = useState('');
  const [debounced, setDebounced] = useState('');
  const [entry, setEntry] = useState<CatalogEntryOut>();
  const [form, setForm] = useState<ConnectorForm>(emptyConnectorForm);
  const action = useAction();
  useEffect(() => {
    const timer = setTimeout(() => setDebounced(query.trim()), 250);
    return () => clearTimeout(timer);
  }, [query]);
  const catalog = useLoad(
    () =>
      source === 'catalog'
        ? api.call('GET /connectors/catalog', { query: { q: debounced || undefined, limit: 24 } })
        : Promise.resolve(undefined),
    [source, debounced],
  );

  if (!isAdmin(c.me)) {
    return (
      <>
        <PageHeader title={t('addConnector')} />
        <Empty title={t('adminsOnly')} />
      </>
    );
  }

  const set = (patch: Partial<ConnectorForm>) => setForm((f) => ({ ...f, ...patch }));
  const issues = sortIssues((action.error as ApiError | undefined)?.issues ?? []);
  const submit = async (e: Event) => {
    e.preventDefault();
    let createdId = '';
    const ok = await action.run(async () => {
      const body = source === 'catalog' && entry ? catalogBody(entry, form) : createBody(form);
      createdId = (await api.call('POST /connectors', { body })).id;
    });
    if (ok) {
      await c.reloadLookups();
      navigate(sectionPath('connectors', createdId));
      c.announce(t('connectorCreatedMsg'));
    }
  };
  const pick = (e: CatalogEntryOut) => {
    setEntry(e);
    setForm({ ...emptyConnectorForm(), id: e.key.replace(/[^a-z0-9_-]/g, '').slice(0, 63) });
    action.clear();
  };

  return (
    <>
      <PageHeader title={t('addConnector')}>
        <Link href={sectionPath('connectors')}>{t('backToList', { list: t('navConnectors') })}</Link>
      </PageHeader>
      <RadioGroup
        legend={t('addFrom')}
        name="source"
        value={source}
        onChange={(v) => navigate(withFilters(sectionPath('connectors', 'new'), { source: v }), { replace: true })}
        options={[
          { value: 'catalog', label: t('fromCatalog'), hint: t('fromCatalogHint') },
          { value: 'custom', label: t('customService'), hint: t('customServiceHint') },
        ]}
      />
      {source === 'catalog' && !entry && (
        <Section title={t('catalog')} id="catalog">
          <TextField label={t('searchCatalog')} type="search" value={query} onInput={setQuery} placeholder="slack, hubspot, github…" />
          <ErrorAlert error={catalog.error} onRetry={() => void catalog.reload()} />
          {catalog.data?.items.length === 0 && <Empty title={t('catalogNoMatch')} />}
          {catalog.data && catalog.data.items.length > 0 && (
            <ul class="pb-catalog" aria-busy={catalog.loading}>
              {catalog.data.items.map((e) => (
                <li key={e.key}>
                  <span class="pb-catalog-name">{e.name}</span>
                  <span class="pb-muted pb-small">
                    {e.key} · {t(`auth_${e.authType}`)}
                  </span>
                  <button type="button" class="pb-btn pb-btn-small" onClick={() => pick(e)} aria-label={t('useProvider', { name: e.name })}>
                    {t('use')}
                  </button>
                </li>
              ))}
            </ul>
          )}
        </Section>
      )}
      {(source === 'custom' || entry) && (
        <form class="pb-form pb-form-wide" onSubmit={(e) => void submit(e)}>
          {entry && (
            <p class="pb-row">
              <span>{t('fromProvider', { name: entry.name })}</span>
              <button type="button" class="pb-btn pb-btn-small" onClick={() => setEntry(undefined)}>
                {t('chooseAnother')}
              </button>
            </p>
          )}
          {entry?.needsSubdomain && <p class="pb-hint">{t('needsSubdomain')}</p>}
          <ConnectorFormFields
            form={form}
            set={set}
            errors={issues.byField}
            mode={entry ? { kind: 'catalog', entry } : { kind: 'custom' }}
          />
          <ErrorAlert error={action.error} />
          <OtherIssues issues={issues.other} />
          <div class="pb-actions">
            <button type="submit" class="pb-btn pb-btn-primary" disabled={action.busy}>
              {t('createConnector')}
            </button>
          </div>
        </form>
      )}
    </>
  );
}
