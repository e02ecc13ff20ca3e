import type { ConnectorAuthReference, EmbedConnector, EmbedConnectorAuth } from '@patchbay/shared';
import { useRef, useState } from 'preact/hooks';
import { ApiError } from '../../lib/api.ts';
import { formatDate, type MessageKey } from '../../lib/i18n.ts';
import { announce } from '../announce.ts';
import { Confirm } from '../components/Confirm.tsx';
import { ConnectAccount } from '../components/ConnectAccount.tsx';
import { CredentialsForm } from '../components/CredentialsForm.tsx';
import { Badge, ConnectorIcon, ErrorAlert } from '../components/Feedback.tsx';
import { usePortal } from '../context.ts';
import { flowsById, type PortalData } from '../store.ts';

interface Props {
  data: PortalData;
  reload(): Promise<void>;
}

const STATUS: Record<EmbedConnectorAuth['status'], [MessageKey, 'ok' | 'warn' | 'off' | 'bad']> = {
  active: ['statusActive', 'ok'],
  needs_reauth: ['statusNeedsReauth', 'warn'],
  disabled: ['statusDisabled', 'off'],
  revoked: ['statusRevoked', 'bad'],
};

/**
 * The Connections tab: its own "Connect an account" entry, then the user's (or account's)
 * connector auths — whose account each is, who set it up and when, which integrations use it —
 * with status, rename, reconnect and delete.
 */
export function Connections({ data, reload }: Props) {
  const { t } = usePortal();
  return (
    <>
      <ConnectEntry data={data} reload={reload} />
      {data.auths.length === 0 ? (
        <p class="pb-empty">{t('noConnections')}</p>
      ) : (
        <ul class="pb-list">
          {data.auths.map((auth) => (
            <ConnectionRow key={auth.id} auth={auth} data={data} reload={reload} />
          ))}
        </ul>
      )}
    </>
  );
}

/** "Connect an account": opens a list of the configuration's connectors, each with its own connect button. */
function ConnectEntry({ data, reload }: Props) {
  const { t, emit, api } = usePortal();
  const [open, setOpen] = useState(false);
  const connectable = data.connectors.filter((c) => c.authType !== 'none');
  if (connectable.length === 0) return null;
  const onConnected = async (connector: EmbedConnector, connectorAuthId: string, auth?: EmbedConnectorAuth) => {
    // Connecting an account that is already here updated that connection (no twin).
    const existing = data.auths.some((a) => a.id === connectorAuthId);
    if (existing) emit('connectorAuth.updated', { connectorAuthId, change: 'reconnected' });
    else {
      let name = auth?.name;
      if (!name) {
        try {
          const page = await api.get<{ items: EmbedConnectorAuth[] }>(
            `/connector-auths?connectorId=${encodeURIComponent(connector.id)}&limit=200`,
          );
          name = page.items.find((a) => a.id === connectorAuthId)?.name;
        } catch {
          // the list reload below shows any problem
        }
      }
      emit('connectorAuth.created', { connectorAuthId, connectorId: connector.id, name: name ?? '' });
    }
    setOpen(false);
    await reload();
    announce(t(existing ? 'saidReconnected' : 'connected'));
  };
  return (
    <section class="pb-connect-entry" aria-labelledby="pb-connect-entry">
      <button type="button" id="pb-connect-entry" class="pb-btn pb-btn-primary" aria-expanded={open} onClick={() => setOpen(!open)}>
        {t('connectAnAccount')}
      </button>
      {open && (
        <ul class="pb-list" aria-label={t('connectAnAccount')}>
          {connectable.map((c) => (
            <li class="pb-item" key={c.id} aria-labelledby={`cx-${c.id}`}>
              <div class="pb-row">
                <ConnectorIcon name={c.name} iconUrl={c.iconUrl} brandIcon={c.brandIcon} />
                <h3 id={`cx-${c.id}`} class="pb-item-title">
                  {c.name}
                </h3>
              </div>
              <ConnectAccount
                connector={c}
                label={t('connectNew')}
                describedBy={`cx-${c.id}`}
                onConnected={(id, auth) => void onConnected(c, id, auth)}
              />
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function ConnectionRow({ auth, data, reload }: { auth: EmbedConnectorAuth; data: PortalData; reload(): Promise<void> }) {
  const { t, api, emit, lang } = usePortal();
  const [renaming, setRenaming] = useState(false);
  const [name, setName] = useState(auth.name);
  const [confirming, setConfirming] = useState(false);
  const [references, setReferences] = useState<ConnectorAuthReference[]>();
  const [busy, setBusy] = useState(false);
  const [reconnecting, setReconnecting] = useState(false);
  const [error, setError] = useState<unknown>();
  const connector = data.connectors.find((c) => c.id === auth.connectorId);
  const nameId = `ca-${auth.id}`;
  const path = `/connector-auths/${encodeURIComponent(auth.id)}`;
  const [statusKey, tone] = STATUS[auth.status] ?? STATUS.active;
  // An administrator's disable wins: the server refuses a reconnect (403), so none is offered.
  const lockedByAdmin = auth.status === 'disabled' && auth.disabledBy === 'admin';
  const flows = flowsById(data);
  const usedBy = data.integrations
    .filter((i) => Object.values(i.bindings).includes(auth.id))
    .map((i) => flows.get(i.flowId)?.name ?? '')
    .filter(Boolean);
  const isForm = connector?.authType === 'basic' || connector?.authType === 'api_key';
  const reconnected = () => {
    emit('connectorAuth.updated', { connectorAuthId: auth.id, change: 'reconnected' });
    void reload().then(() => announce(t('saidReconnected')));
  };

  const renameButton = useRef<HTMLButtonElement>(null);
  /** Closes the inline rename and gives focus back to "Rename". */
  const stopRenaming = () => {
    setRenaming(false);
    setTimeout(() => renameButton.current?.focus(), 0);
  };
  const cancelRename = () => {
    setName(auth.name);
    stopRenaming();
  };

  const act = async (work: () => Promise<void>) => {
    setBusy(true);
    setError(undefined);
    try {
      await work();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  const saveName = (event: Event) => {
    event.preventDefault();
    void act(async () => {
      const trimmed = name.trim();
      if (!trimmed || trimmed === auth.name) {
        stopRenaming();
        return;
      }
      await api.patch(path, { name: trimmed });
      emit('connectorAuth.updated', { connectorAuthId: auth.id, change: 'renamed' });
      stopRenaming();
      await reload();
      announce(t('saidRenamed'));
    });
  };

  const remove = (force: boolean) =>
    act(async () => {
      try {
        await api.del(force ? `${path}?force=true` : path);
      } catch (e) {
        if (e instanceof ApiError && e.code === 'in_use') {
          const refs = (e.details as { references?: ConnectorAuthReference[] } | undefined)?.references;
          setReferences(Array.isArray(refs) ? refs : []);
          return;
        }
        throw e;
      }
      setConfirming(false);
      emit('connectorAuth.deleted', { connectorAuthId: auth.id });
      // "Delete anyway" disabled every integration that used it: say so for each.
      const wasEnabled = (id: string) => data.integrations.find((i) => i.id === id)?.status === 'enabled';
      if (force)
        for (const r of (references ?? []).filter((x) => wasEnabled(x.integrationId)))
          emit('integration.disabled', { integrationId: r.integrationId, flowId: r.flowId });
      await reload();
      announce(t('saidDeleted'));
    });

  return (
    <li class="pb-item" aria-labelledby={nameId} aria-busy={busy}>
      <div class="pb-item-main">
        <div class="pb-row pb-wrap">
          <ConnectorIcon name={connector?.name ?? auth.connectorId} iconUrl={connector?.iconUrl} brandIcon={connector?.brandIcon} />
          <h3 id={nameId} class="pb-item-title">
            {auth.name}
          </h3>
          <Badge tone={tone}>{t(statusKey)}</Badge>
        </div>
        <p class="pb-muted pb-small">
          {connector?.name ?? auth.connectorId}
          {auth.proprietary ? ` · ${t('managedByHost')}` : !auth.ownedByMe ? ` · ${t('sharedByColleague')}` : ''}
        </p>
        {auth.remoteAccount && <p class="pb-small">{t('connectedAs', { account: auth.remoteAccount })}</p>}
        <p class="pb-muted pb-small">
          {auth.sharingLevel === 'account' && auth.createdByName && !auth.proprietary
            ? t('setUpByOn', { name: auth.createdByName, date: formatDate(lang, auth.createdAt) })
            : t('connectedOn', { date: formatDate(lang, auth.createdAt) })}
        </p>
        <p class="pb-muted pb-small">{usedBy.length > 0 ? t('usedBy', { list: usedBy.join(', ') }) : t('usedByNone')}</p>
        {lockedByAdmin && <p class="pb-muted pb-small">{t('disabledByAdmin')}</p>}
        {auth.lastError && auth.status !== 'active' && <p class="pb-muted pb-small">{t('authBroken')}</p>}
      </div>
      {!auth.proprietary && (
        <div class="pb-actions pb-item-actions">
          {!renaming && (
            <button type="button" class="pb-btn" ref={renameButton} onClick={() => setRenaming(true)} disabled={busy}>
              {t('rename')}
            </button>
          )}
          {connector && connector.authType !== 'none' && !lockedByAdmin && !isForm && (
            <ConnectAccount connector={connector} reconnect={auth} label={t('reconnect')} describedBy={nameId} onConnected={reconnected} />
          )}
          {connector && isForm && !lockedByAdmin && !reconnecting && (
            <button type="button" class="pb-btn" onClick={() => setReconnecting(true)} disabled={busy} aria-describedby={nameId}>
              {t('reconnect')}
            </button>
          )}
          <button type="button" class="pb-btn pb-btn-danger-outline" onClick={() => setConfirming(true)} disabled={busy}>
            {t('delete')}
          </button>
        </div>
      )}
      {connector && reconnecting && (
        <section class="pb-reconnect" aria-labelledby={`${nameId}-re`}>
          <h4 id={`${nameId}-re`} ref={(el) => el?.focus()} tabIndex={-1}>
            {t('reconnectHeading', { name: auth.name })}
          </h4>
          <CredentialsForm
            connector={connector}
            reconnect={auth}
            onCancel={() => setReconnecting(false)}
            onSaved={() => {
              setReconnecting(false);
              reconnected();
            }}
          />
        </section>
      )}
      {renaming && (
        <form
          class="pb-rename"
          onSubmit={saveName}
          onKeyDown={(e) => {
            if (e.key === 'Escape') {
              e.stopPropagation();
              cancelRename();
            }
          }}
        >
          <label for={`${nameId}-name`}>{t('name')}</label>
          <input
            id={`${nameId}-name`}
            ref={(el) => el?.focus()}
            value={name}
            maxLength={200}
            onInput={(e) => setName((e.target as HTMLInputElement).value)}
          />
          <button type="submit" class="pb-btn pb-btn-primary" disabled={busy}>
            {t('save')}
          </button>
          <button type="button" class="pb-btn" onClick={cancelRename}>
            {t('cancel')}
          </button>
        </form>
      )}
      {confirming && (
        <Confirm
          id={`del-${auth.id}`}
          message={
            <>
              <p>{t('confirmDeleteConnection', { name: auth.name })}</p>
              {references && references.length > 0 && (
                <>
                  <p>{t('connectionInUse')}</p>
                  <ul class="pb-refs">
                    {references.map((r) => (
                      <li key={r.integrationId}>{r.name ?? flows.get(r.flowId)?.name ?? r.flowId}</li>
                    ))}
                  </ul>
                </>
              )}
            </>
          }
          confirmLabel={references ? t('deleteAnyway') : t('delete')}
          busy={busy}
          onConfirm={() => remove(Boolean(references))}
          onCancel={() => {
            setConfirming(false);
            setReferences(undefined);
          }}
        />
      )}
      {error !== undefined && <ErrorAlert error={error} />}
    </li>
  );
}
