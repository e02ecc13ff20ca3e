import type { CallbackDelivery } from '@patchbay/shared';
import { useState } from 'preact/hooks';
import type { Answer } from '../api.ts';
import { type CellContext, DELIVERY_COLUMNS, deliveryStatusText, deliveryTone, durationText } from '../columns.ts';
import type { TableColumn } from '../components/DataTable.tsx';
import { Badge, Empty, ErrorAlert } from '../components/Feedback.tsx';
import { SelectField } from '../components/Field.tsx';
import { Filters } from '../components/Filters.tsx';
import { Link } from '../components/Link.tsx';
import { ConfirmDialog, Modal } from '../components/Modal.tsx';
import { PageHeader } from '../components/Page.tsx';
import { PagedTable } from '../components/PagedTable.tsx';
import { type ConsoleContext, useConsole } from '../context.ts';
import { useAction, usePagedList } from '../hooks.ts';
import { canOnConfig } from '../permissions.ts';
import { readFilters, sectionPath } from '../router.ts';

const STATUSES = ['pending', 'delivered', 'failed'] as const;

/** One attempt of a delivery. */
export type CallbackAttempt = Answer<'GET /callback-deliveries/{id}'>['attempts'][number];

/** The Callbacks list's URL filters (the delivery API's own names). */
export const DELIVERY_FILTERS = { configId: 'text', eventType: 'text', status: STATUSES } as const;

/** What an attempt came to, in a few words: "status 200", or its error. */
export function attemptResult(c: Pick<ConsoleContext, 't'>, attempt: Pick<CallbackAttempt, 'statusCode' | 'error'>): string {
  if (attempt.statusCode !== null) return c.t('statusCode', { code: attempt.statusCode });
  return attempt.error ?? '—';
}

/** Whether `me` may redeliver or send test events for a configuration: owners, admins, members with `manage` on one of its groups. */
export const mayResend = (c: Pick<ConsoleContext, 'me' | 'lookups'>, configId: string): boolean =>
  canOnConfig(c.me, 'manage', c.lookups.configs, configId);

/** "Redeliver" for one delivery: confirmed, then queued again with the same id, and announced. */
export function RedeliverButton({ delivery, onDone }: { delivery: CallbackDelivery; onDone(d: CallbackDelivery): void }) {
  const c = useConsole();
  const [open, setOpen] = useState(false);
  const action = useAction();
  if (!mayResend(c, delivery.configId)) return null;
  const confirm = () =>
    action.run(async () => {
      const { delivery: again } = await c.api.call('POST /callback-deliveries/{id}/redeliver', { params: { id: delivery.id } });
      setOpen(false);
      c.announce(c.t('redeliveredMsg', { id: again.id }));
      onDone(again);
    });
  return (
    <>
      <button type="button" class="pb-btn pb-btn-small" onClick={() => setOpen(true)}>
        {c.t('redeliver')}
      </button>
      {open && (
        <ConfirmDialog
          id={`redeliver-${delivery.id}`}
          title={c.t('redeliverTitle')}
          confirmLabel={c.t('redeliver')}
          danger={false}
          busy={action.busy}
          error={action.error}
          onConfirm={() => void confirm()}
          onCancel={() => {
            action.clear();
            setOpen(false);
          }}
        >
          <p>{c.t('redeliverText', { id: delivery.id })}</p>
        </ConfirmDialog>
      )}
    </>
  );
}

/** "Send test event": pick a configuration (with a callback URL), send a `ping` now, show what it answered. */
export function SendTestEvent({ onSent, configId }: { onSent(d: CallbackDelivery): void; configId?: string }) {
  const c = useConsole();
  const { t } = c;
  const configs = [...c.lookups.configs.values()].filter((x) => mayResend(c, x.id));
  const [open, setOpen] = useState(false);
  const [chosen, setChosen] = useState(configId ?? configs[0]?.id ?? '');
  const [result, setResult] = useState<string>();
  const action = useAction();
  if (configs.length === 0) return null;
  const send = () =>
    action.run(async () => {
      const answer = await c.api.call('POST /embed-configs/{id}/test-callback', { params: { id: chosen } });
      const text = t('testEventSentMsg', { id: answer.delivery.id, result: attemptResult(c, answer.attempt) });
      setResult(`${text} (${durationText(answer.attempt.durationMs)})`);
      c.announce(text);
      onSent(answer.delivery);
    });
  const close = () => {
    action.clear();
    setResult(undefined);
    setOpen(false);
  };
  return (
    <>
      <button type="button" class="pb-btn" onClick={() => setOpen(true)}>
        {t('sendTestEvent')}
      </button>
      {open && (
        <Modal id="test-callback" title={t('sendTestEvent')} onClose={close}>
          <div class="pb-stack">
            <p>{t('sendTestEventText')}</p>
            {!configId && (
              <SelectField
                label={t('filterConfiguration')}
                value={chosen}
                onChange={(v) => {
                  setChosen(v);
                  setResult(undefined);
                }}
                options={configs.map((x) => ({ value: x.id, label: x.name }))}
              />
            )}
            <ErrorAlert error={action.error} />
            {result && (
              <p class="pb-notice">
                <strong>{t('testEventResult')}:</strong> {result}
              </p>
            )}
          </div>
          <div class="pb-actions pb-actions-end">
            <button type="button" class="pb-btn" onClick={close}>
              {t('close')}
            </button>
            {/* Not `disabled` while sending: the focus stays on it (Escape still closes the dialog). */}
            <button
              type="button"
              class="pb-btn pb-btn-primary"
              aria-disabled={action.busy || !chosen ? 'true' : undefined}
              onClick={() => {
                if (!action.busy && chosen) void send();
              }}
            >
              {t('sendTestEvent')}
            </button>
          </div>
        </Modal>
      )}
    </>
  );
}

/** Every callback delivery an admin may view, newest first, filtered on the server (filters in the URL), paged by cursor. */
export function Callbacks({ search }: { search: string }) {
  const c = useConsole();
  const { t, api, lookups } = c;
  const filters = readFilters(search, DELIVERY_FILTERS);
  const list = usePagedList(
    (cursor) => api.call('GET /callback-deliveries', { query: { ...filters, cursor, limit: 50 } }),
    (d) => d.id,
    [search],
  );
  const cellContext: CellContext = { t, lookups, date: c.date };
  const columns: TableColumn<CallbackDelivery>[] = DELIVERY_COLUMNS.map((col) => ({
    key: col.key,
    header: t(col.header),
    cell: (row: CallbackDelivery) => {
      const text = col.text(row, cellContext);
      if (col.key === 'id')
        return (
          <Link href={sectionPath('callbacks', row.id)} class="pb-mono">
            {text}
          </Link>
        );
      if (col.key === 'status') return <Badge tone={deliveryTone(row.status)}>{deliveryStatusText(row.status, t)}</Badge>;
      if (col.key === 'eventType') return <span class="pb-mono">{text}</span>;
      return text;
    },
  }));
  columns.push({
    key: 'actions',
    header: t('colActions'),
    actions: true,
    cell: (row) => <RedeliverButton delivery={row} onDone={list.replace} />,
  });
  const filtered = Object.keys(filters).length > 0;
  return (
    <>
      <PageHeader title={t('navCallbacks')} actions={<SendTestEvent onSent={() => void list.reload()} />} />
      <Filters
        label={t('filtersOf', { list: t('navCallbacks') })}
        pathname={sectionPath('callbacks')}
        values={filters}
        fields={[
          {
            key: 'configId',
            label: t('filterConfiguration'),
            kind: 'select',
            options: [...lookups.configs.values()].map((x) => ({ value: x.id, label: x.name })),
          },
          { key: 'eventType', label: t('filterEventType'), kind: 'text', placeholder: 'run.failed' },
          {
            key: 'status',
            label: t('colStatus'),
            kind: 'select',
            options: STATUSES.map((s) => ({ value: s, label: deliveryStatusText(s, t) })),
          },
        ]}
      />
      <PagedTable
        list={list}
        caption={t('navCallbacks')}
        columns={columns}
        rowKey={(r) => r.id}
        clearFiltersHref={filtered ? sectionPath('callbacks') : undefined}
        empty={
          <Empty title={t('noDeliveries')}>
            <p>
              {t('noDeliveriesNext')} <Link href={sectionPath('embedConfigs')}>{t('navEmbedConfigs')}</Link>
            </p>
          </Empty>
        }
      />
    </>
  );
}
