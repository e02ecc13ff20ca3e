import type { ConnectorAuth, ConnectorAuthReference } from '@patchbay/shared';
import { useState } from 'preact/hooks';
import type { ApiError } from '../../lib/api.ts';
import { type CellContext, CONNECTOR_AUTH_COLUMNS } from '../columns.ts';
import type { TableColumn } from '../components/DataTable.tsx';
import { Badge, Empty, ErrorAlert } from '../components/Feedback.tsx';
import { Filters } from '../components/Filters.tsx';
import { Link } from '../components/Link.tsx';
import { ConfirmDialog } from '../components/Modal.tsx';
import { PageHeader } from '../components/Page.tsx';
import { PagedTable } from '../components/PagedTable.tsx';
import { useConsole } from '../context.ts';
import { useAction, usePagedList } from '../hooks.ts';
import { canOnConfig } from '../permissions.ts';
import { readFilters, sectionPath } from '../router.ts';

/** The Connector auths list's URL filters. */
export const CONNECTOR_AUTH_FILTERS = {
  configId: 'text',
  connectorId: 'text',
  status: ['active', 'needs_reauth', 'revoked', 'disabled'],
  userId: 'text',
  accountId: 'text',
} as const;

type Pending = { kind: 'revoke'; auth: ConnectorAuth } | { kind: 'delete'; auth: ConnectorAuth; references?: ConnectorAuthReference[] };

/**
 * The integrations a `409 in_use` answer lists (`details.references`, shaped like the shared
 * `connectorAuthReferenceSchema`); checked by hand so the console's bundle does not carry zod.
 */
export function referencesOf(error: unknown): ConnectorAuthReference[] | undefined {
  const e = error as ApiError | undefined;
  if (e?.code !== 'in_use') return undefined;
  const refs = (e.details as { references?: unknown } | undefined)?.references;
  if (!Array.isArray(refs)) return [];
  return refs.flatMap((r: Partial<Record<keyof ConnectorAuthReference, unknown>>) =>
    typeof r?.integrationId === 'string' && typeof r.flowId === 'string'
      ? [{ integrationId: r.integrationId, flowId: r.flowId, ...(typeof r.name === 'string' ? { name: r.name } : {}) }]
      : [],
  );
}

/** End users' connector auths: filters, Revoke, Disable / Enable, Delete (listing the integrations that use it first). */
export function ConnectorAuths({ search }: { search: string }) {
  const c = useConsole();
  const { t, api, lookups, me } = c;
  const filters = readFilters(search, CONNECTOR_AUTH_FILTERS);
  const [pending, setPending] = useState<Pending>();
  const action = useAction();
  const [rowError, setRowError] = useState<unknown>();
  const list = usePagedList(
    (cursor) => api.call('GET /connector-auths', { query: { ...filters, cursor, limit: 50 } }),
    (a) => a.id,
    [search],
  );

  const toggle = async (auth: ConnectorAuth) => {
    setRowError(undefined);
    try {
      const enable = auth.status === 'disabled';
      const updated = await api.call(enable ? 'POST /connector-auths/{id}/enable' : 'POST /connector-auths/{id}/disable', {
        params: { id: auth.id },
      });
      list.replace(updated);
      c.announce(t(enable ? 'authEnabledMsg' : 'authDisabledMsg', { name: updated.name }));
    } catch (e) {
      setRowError(e);
    }
  };

  const confirm = async () => {
    if (!pending) return;
    const { auth } = pending;
    if (pending.kind === 'revoke') {
      const ok = await action.run(async () => {
        list.replace(await api.call('POST /connector-auths/{id}/revoke', { params: { id: auth.id } }));
      });
      if (ok) {
        setPending(undefined);
        c.announce(t('authRevokedMsg', { name: auth.name }));
      }
      return;
    }
    const force = pending.references !== undefined;
    let refs: ConnectorAuthReference[] | undefined;
    const ok = await action.run(async () => {
      try {
        await api.call('DELETE /connector-auths/{id}', { params: { id: auth.id }, query: force ? { force: 'true' } : {} });
      } catch (e) {
        refs = referencesOf(e);
        throw e;
      }
    });
    if (ok) {
      list.remove(auth.id);
      setPending(undefined);
      c.announce(t(force ? 'authDeletedForcedMsg' : 'authDeletedMsg', { name: auth.name, n: pending.references?.length ?? 0 }));
    } else if (refs && !force) {
      // The server listed the integrations that use it: show them, then offer "Delete anyway".
      action.clear();
      setPending({ kind: 'delete', auth, references: refs });
    }
  };

  const cellContext: CellContext = { t, lookups, date: c.date };
  const columns: TableColumn<ConnectorAuth>[] = CONNECTOR_AUTH_COLUMNS.map((col) => ({
    key: col.key,
    header: t(col.header),
    cell: (row: ConnectorAuth) => {
      const text = col.text(row, cellContext);
      if (col.key === 'status')
        return <Badge tone={row.status === 'active' ? 'ok' : row.status === 'needs_reauth' ? 'warn' : 'off'}>{text}</Badge>;
      return col.key === 'userId' || col.key === 'accountId' ? <span class="pb-mono">{text}</span> : text;
    },
  }));
  columns.push({
    key: 'actions',
    header: t('colActions'),
    actions: true,
    cell: (row) =>
      canOnConfig(me, 'manage', lookups.configs, row.configId) && (
        <div class="pb-actions pb-nowrap">
          {row.status !== 'revoked' && (
            <button
              type="button"
              class="pb-btn pb-btn-small"
              onClick={() => {
                action.clear();
                setPending({ kind: 'revoke', auth: row });
              }}
            >
              {t('revoke')}
            </button>
          )}
          {row.status !== 'revoked' && (
            <button type="button" class="pb-btn pb-btn-small" onClick={() => void toggle(row)}>
              {t(row.status === 'disabled' ? 'enable' : 'disable')}
            </button>
          )}
          <button
            type="button"
            class="pb-btn pb-btn-small pb-btn-danger-outline"
            onClick={() => {
              action.clear();
              setPending({ kind: 'delete', auth: row });
            }}
          >
            {t('delete')}
          </button>
        </div>
      ),
  });

  const filtered = Object.keys(filters).length > 0;
  return (
    <>
      <PageHeader title={t('navConnectorAuths')} />
      <Filters
        label={t('filtersOf', { list: t('navConnectorAuths') })}
        pathname={sectionPath('connectorAuths')}
        values={filters}
        fields={[
          {
            key: 'configId',
            label: t('filterConfiguration'),
            kind: 'select',
            options: [...lookups.configs.values()].map((x) => ({ value: x.id, label: x.name })),
          },
          {
            key: 'connectorId',
            label: t('colConnector'),
            kind: 'select',
            options: [...lookups.connectors.values()].map((x) => ({ value: x.id, label: x.name })),
          },
          {
            key: 'status',
            label: t('colStatus'),
            kind: 'select',
            options: CONNECTOR_AUTH_FILTERS.status.map((s) => ({
              value: s,
              label: t(
                s === 'active' ? 'authActive' : s === 'needs_reauth' ? 'authNeedsReauth' : s === 'revoked' ? 'authRevoked' : 'authDisabled',
              ),
            })),
          },
          { key: 'userId', label: t('colUserId'), kind: 'text' },
          { key: 'accountId', label: t('colAccountId'), kind: 'text' },
        ]}
      />
      <ErrorAlert error={rowError} />
      <PagedTable
        list={list}
        caption={t('navConnectorAuths')}
        columns={columns}
        rowKey={(r) => r.id}
        clearFiltersHref={filtered ? sectionPath('connectorAuths') : undefined}
        empty={
          <Empty title={t('noAuths')}>
            <p>{t('noAuthsNext')}</p>
          </Empty>
        }
      />
      {pending?.kind === 'revoke' && (
        <ConfirmDialog
          id="revoke-auth"
          title={t('revokeAuthTitle')}
          confirmLabel={t('revoke')}
          busy={action.busy}
          error={action.error}
          onCancel={() => setPending(undefined)}
          onConfirm={() => void confirm()}
        >
          <p>{t('revokeAuthText', { name: pending.auth.name })}</p>
        </ConfirmDialog>
      )}
      {pending?.kind === 'delete' && (
        <ConfirmDialog
          id="delete-auth"
          title={t('deleteAuthTitle')}
          confirmLabel={t(pending.references ? 'deleteAnyway' : 'delete')}
          busy={action.busy}
          error={action.error}
          onCancel={() => setPending(undefined)}
          onConfirm={() => void confirm()}
        >
          {pending.references ? (
            <>
              <p>{t('authInUse', { name: pending.auth.name })}</p>
              <ul class="pb-refs">
                {pending.references.map((r) => (
                  <li key={r.integrationId}>
                    <Link href={sectionPath('integrations', r.integrationId)}>
                      {r.name ?? lookups.flows.get(r.flowId)?.name ?? r.flowId}
                    </Link>{' '}
                    <span class="pb-mono pb-muted">{r.integrationId}</span>
                  </li>
                ))}
              </ul>
              <p>{t('deleteAnywayText')}</p>
            </>
          ) : (
            <p>{t('deleteAuthText', { name: pending.auth.name })}</p>
          )}
        </ConfirmDialog>
      )}
    </>
  );
}
