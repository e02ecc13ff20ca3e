import type { ConnectorAuth, Run } from '@patchbay/shared';
import { Fragment } from 'preact';
import { useState } from 'preact/hooks';
import { authStatusText, groupNames, integrationStatusText, latestRunText, sharingText } from '../columns.ts';
import { CopyField } from '../components/Copy.tsx';
import { Badge, ErrorAlert, Skeleton } from '../components/Feedback.tsx';
import { Section } from '../components/Field.tsx';
import { Link } from '../components/Link.tsx';
import { PageHeader } from '../components/Page.tsx';
import { useConsole } from '../context.ts';
import { definitionView, inputValueText } from '../flowDefinition.ts';
import { useLoad, usePagedList } from '../hooks.ts';
import { sectionPath, withFilters } from '../router.ts';
import { IntegrationToggle, withQueuedRun } from './Integrations.tsx';
import { QueuedRunNotice, RunNowButton, RunTable } from './Runs.tsx';

/** One integration: who owns it, its bindings, its inputs (password inputs never shown), its webhook URL, its latest run. */
export function IntegrationDetail({ id }: { id: string }) {
  const c = useConsole();
  const { t, api, lookups } = c;
  const [actionError, setActionError] = useState<unknown>();
  const loaded = useLoad(async () => {
    const integration = await api.call('GET /integrations/{id}', { params: { id } });
    const auths = await Promise.all(
      Object.values(integration.bindings).map((authId) =>
        api.call('GET /connector-auths/{id}', { params: { id: authId } }).catch(() => undefined),
      ),
    );
    return { integration, auths: new Map(auths.filter((a): a is ConnectorAuth => Boolean(a)).map((a) => [a.id, a])) };
  }, [id]);
  const [queued, setQueued] = useState<Run>();
  const runs = usePagedList(
    (cursor) => api.call('GET /runs', { query: { integrationId: id, cursor, limit: 20 } }),
    (r) => r.id,
    [id],
  );
  const row = loaded.data?.integration;
  const flow = row ? lookups.flows.get(row.flowId) : undefined;
  const def = definitionView(flow?.definition);
  return (
    <>
      <PageHeader
        title={t('integrationTitle', { id })}
        actions={
          row && (
            <>
              <RunNowButton
                row={row}
                onQueued={(run) => {
                  setActionError(undefined);
                  setQueued(run);
                  loaded.setData({ integration: withQueuedRun(row, run), auths: loaded.data?.auths ?? new Map() });
                  void runs.reload();
                }}
                onError={setActionError}
              />
              <IntegrationToggle
                row={row}
                onChanged={(i) => loaded.setData({ integration: i, auths: loaded.data?.auths ?? new Map() })}
                onError={setActionError}
              />
            </>
          )
        }
      >
        <Link href={sectionPath('integrations')}>{t('backToList', { list: t('navIntegrations') })}</Link>
      </PageHeader>
      <ErrorAlert error={actionError} />
      <QueuedRunNotice run={queued} />
      <ErrorAlert error={loaded.error} onRetry={() => void loaded.reload()} />
      {!row && loaded.loading && <Skeleton rows={3} />}
      {row && (
        <div class="pb-stack-lg">
          <Section title={t('details')} id="int-details">
            <dl class="pb-dl">
              <dt>{t('colStatus')}</dt>
              <dd>
                <Badge tone={row.status === 'enabled' ? 'ok' : 'off'}>{integrationStatusText(row, t)}</Badge>
              </dd>
              <dt>{t('colEmbedFlow')}</dt>
              <dd>
                <Link href={sectionPath('flows', row.flowId)}>{flow?.name ?? row.flowId}</Link>{' '}
                <span class="pb-muted">{t('versionN', { n: row.flowVersion })}</span>
              </dd>
              <dt>{t('colConfigName')}</dt>
              <dd>
                <Link href={sectionPath('embedConfigs', row.configId)}>{lookups.configs.get(row.configId)?.name ?? row.configId}</Link>{' '}
                <span class="pb-mono pb-muted">{row.configId}</span>
              </dd>
              <dt>{t('colGroupName')}</dt>
              <dd>{groupNames(lookups, row.configId, row.flowId)}</dd>
              <dt>{t('colUserId')}</dt>
              <dd class="pb-mono">{row.userId}</dd>
              <dt>{t('colAccountId')}</dt>
              <dd class="pb-mono">{row.accountId}</dd>
              <dt>{t('colSharingLevel')}</dt>
              <dd>{sharingText(row.sharingLevel, t)}</dd>
              <dt>{t('nextRun')}</dt>
              <dd>{c.date(row.nextRunAt)}</dd>
              <dt>{t('created')}</dt>
              <dd>{c.date(row.createdAt)}</dd>
              <dt>{t('updated')}</dt>
              <dd>{c.date(row.updatedAt)}</dd>
            </dl>
          </Section>
          <Section title={t('bindings')} id="int-bindings">
            {Object.keys(row.bindings).length === 0 ? (
              <p class="pb-muted">{t('noBindings')}</p>
            ) : (
              <dl class="pb-dl">
                {Object.entries(row.bindings).map(([slot, authId]) => {
                  const auth = loaded.data?.auths.get(authId);
                  const label = def.slots.find((s) => s.key === slot)?.label ?? slot;
                  return (
                    <Fragment key={slot}>
                      <dt>{label}</dt>
                      <dd>
                        <Link
                          href={withFilters(sectionPath('connectorAuths'), { configId: row.configId, userId: auth?.userId ?? undefined })}
                        >
                          {auth?.name ?? authId}
                        </Link>{' '}
                        {auth && <span class="pb-muted">({authStatusText(auth, t)})</span>}
                      </dd>
                    </Fragment>
                  );
                })}
              </dl>
            )}
          </Section>
          <Section title={t('inputs')} id="int-inputs">
            {def.inputs.length === 0 && Object.keys(row.inputs).length === 0 ? (
              <p class="pb-muted">{t('noInputs')}</p>
            ) : (
              <dl class="pb-dl">
                {def.inputs.map((input) => (
                  <Fragment key={input.key}>
                    <dt>{input.label}</dt>
                    <dd>
                      {input.type === 'password' ? (
                        <span class="pb-muted">{t('secretHidden')}</span>
                      ) : (
                        inputValueText(row.inputs[input.key])
                      )}
                    </dd>
                  </Fragment>
                ))}
                {Object.entries(row.inputs)
                  .filter(([key]) => !def.inputs.some((i) => i.key === key))
                  .map(([key, value]) => (
                    <Fragment key={key}>
                      <dt>{key}</dt>
                      <dd>{inputValueText(value)}</dd>
                    </Fragment>
                  ))}
              </dl>
            )}
          </Section>
          {(row.webhookUrl || def.trigger === 'webhook') && (
            <Section title={t('webhookUrl')} id="int-webhook">
              {row.webhookUrl ? (
                <CopyField id="int-webhook-url" label={t('webhookUrl')} value={row.webhookUrl} />
              ) : (
                <p class="pb-muted">{t('webhookUrlUnavailable')}</p>
              )}
            </Section>
          )}
          <Section
            title={t('runs')}
            id="int-runs"
            actions={<Link href={withFilters(sectionPath('runs'), { integrationId: row.id })}>{t('allRunsOf')}</Link>}
          >
            <p>
              {t('colLatestRun')}: {latestRunText(row, c)}
            </p>
            <RunTable list={runs} caption={t('runsOfIntegration', { id: row.id })} />
          </Section>
        </div>
      )}
    </>
  );
}
