import type { EmbedConfig } from '@patchbay/shared';
import { useState } from 'preact/hooks';
import type { ItemOf } from '../api.ts';
import { DataTable } from '../components/DataTable.tsx';
import { Badge, Empty, ErrorAlert, Skeleton } from '../components/Feedback.tsx';
import { SelectField, TextArea, TextField } from '../components/Field.tsx';
import { ConfirmDialog, Modal } from '../components/Modal.tsx';
import type { ShownSecret } from '../components/SecretOnce.tsx';
import { useConsole } from '../context.ts';
import { useAction, useLoad } from '../hooks.ts';
import { isAdmin } from '../permissions.ts';

type Key = ItemOf<'GET /embed-configs/{id}/keys'>;
type Dialog = { kind: 'rotate' } | { kind: 'revoke'; key: Key } | { kind: 'account' } | { kind: 'publicKey' };

/** Grace periods offered for a rotation, in seconds. */
const GRACE = [0, 3600, 86_400, 7 * 86_400] as const;

/**
 * Signing keys by kid (never their values): rotate the HS256 secret (the new one shown once), revoke
 * a key, issue a per-account secret (shown once), register an RS256/ES256 public key.
 */
export function SigningKeys({ config, onSecret }: { config: EmbedConfig; onSecret(s: ShownSecret[]): void }) {
  const c = useConsole();
  const { t, api } = c;
  const admin = isAdmin(c.me);
  const keys = useLoad(() => api.call('GET /embed-configs/{id}/keys', { params: { id: config.id } }), [config.id]);
  const [dialog, setDialog] = useState<Dialog>();
  const [grace, setGrace] = useState('86400');
  const [accountId, setAccountId] = useState('');
  const [alg, setAlg] = useState<'RS256' | 'ES256'>('RS256');
  const [kid, setKid] = useState('');
  const [pem, setPem] = useState('');
  const action = useAction();
  const open = (d: Dialog) => {
    action.clear();
    setDialog(d);
  };
  const finish = async (fn: () => Promise<void>) => {
    const ok = await action.run(fn);
    if (ok) {
      setDialog(undefined);
      await keys.reload();
    }
  };
  const rows = keys.data?.items ?? [];
  const keyType = (k: Key) =>
    k.accountId ? t('keyAccount', { account: k.accountId }) : k.alg === 'HS256' ? t('keyShared') : t('keyPublic');
  return (
    <div class="pb-stack">
      <p class="pb-hint">{t('signingKeysHint')}</p>
      {admin && (
        <div class="pb-actions">
          <button type="button" class="pb-btn" onClick={() => open({ kind: 'rotate' })}>
            {t('rotateSecret')}
          </button>
          <button type="button" class="pb-btn" onClick={() => open({ kind: 'account' })}>
            {t('issueAccountSecret')}
          </button>
          <button type="button" class="pb-btn" onClick={() => open({ kind: 'publicKey' })}>
            {t('registerPublicKey')}
          </button>
        </div>
      )}
      <ErrorAlert error={keys.error} onRetry={() => void keys.reload()} />
      {!keys.data && keys.loading && <Skeleton rows={2} />}
      {keys.data && rows.length === 0 && <Empty title={t('noKeys')}>{admin && <p>{t('noKeysNext')}</p>}</Empty>}
      {rows.length > 0 && (
        <DataTable
          caption={t('signingKeys')}
          rows={rows}
          rowKey={(k) => k.kid}
          columns={[
            { key: 'kid', header: t('kid'), cell: (k) => <span class="pb-mono">{k.kid}</span> },
            { key: 'alg', header: t('algorithm'), cell: (k) => k.alg },
            { key: 'type', header: t('keyType'), cell: keyType },
            {
              key: 'status',
              header: t('colStatus'),
              cell: (k) => (
                <Badge tone={k.status === 'active' ? 'ok' : 'off'}>{t(k.status === 'active' ? 'keyActive' : 'keyRevoked')}</Badge>
              ),
            },
            { key: 'created', header: t('created'), cell: (k) => c.date(k.createdAt) },
            { key: 'expires', header: t('expires'), cell: (k) => c.date(k.expiresAt) },
            {
              key: 'actions',
              header: t('colActions'),
              actions: true,
              cell: (k) =>
                admin &&
                k.status === 'active' && (
                  <button type="button" class="pb-btn pb-btn-small pb-btn-danger-outline" onClick={() => open({ kind: 'revoke', key: k })}>
                    {t('revoke')}
                  </button>
                ),
            },
          ]}
        />
      )}
      {dialog?.kind === 'rotate' && (
        <ConfirmDialog
          id="rotate-secret"
          title={t('rotateSecret')}
          confirmLabel={t('rotate')}
          danger={false}
          busy={action.busy}
          error={action.error}
          onCancel={() => setDialog(undefined)}
          onConfirm={() =>
            void finish(async () => {
              const s = await api.call('POST /embed-configs/{id}/rotate-secret', {
                params: { id: config.id },
                body: { graceSeconds: Number(grace) },
              });
              onSecret([{ label: t('signingSecretKid', { kid: s.kid }), value: s.value }]);
              c.announce(t('secretRotatedMsg', { kid: s.kid }));
            })
          }
        >
          <p>{t('rotateSecretText')}</p>
          <SelectField
            label={t('gracePeriod')}
            value={grace}
            onChange={setGrace}
            options={GRACE.map((g) => ({
              value: String(g),
              label: t(g === 0 ? 'graceNow' : g === 3600 ? 'grace1h' : g === 86_400 ? 'grace1d' : 'grace7d'),
            }))}
          />
        </ConfirmDialog>
      )}
      {dialog?.kind === 'revoke' && (
        <ConfirmDialog
          id="revoke-key"
          title={t('revokeKeyTitle')}
          confirmLabel={t('revoke')}
          busy={action.busy}
          error={action.error}
          onCancel={() => setDialog(undefined)}
          onConfirm={() =>
            void finish(async () => {
              await api.call('DELETE /embed-configs/{id}/keys/{kid}', { params: { id: config.id, kid: dialog.key.kid } });
              c.announce(t('keyRevokedMsg', { kid: dialog.key.kid }));
            })
          }
        >
          <p>{t('revokeKeyText', { kid: dialog.key.kid })}</p>
        </ConfirmDialog>
      )}
      {dialog?.kind === 'account' && (
        <Modal id="account-secret" title={t('issueAccountSecret')} onClose={() => setDialog(undefined)}>
          <form
            class="pb-form"
            onSubmit={(e) => {
              e.preventDefault();
              void finish(async () => {
                const k = await api.call('POST /embed-configs/{id}/keys', {
                  params: { id: config.id },
                  body: { type: 'accountSecret', accountId: accountId.trim() },
                });
                if (k.value) onSecret([{ label: t('accountSecretFor', { account: k.accountId ?? '', kid: k.kid }), value: k.value }]);
                setAccountId('');
                c.announce(t('accountSecretIssuedMsg', { account: k.accountId ?? '' }));
              });
            }}
          >
            <p class="pb-hint">{t('accountSecretHint')}</p>
            <TextField label={t('colAccountId')} value={accountId} onInput={setAccountId} required mono />
            <ErrorAlert error={action.error} />
            <div class="pb-actions pb-actions-end">
              <button type="button" class="pb-btn" onClick={() => setDialog(undefined)}>
                {t('cancel')}
              </button>
              <button type="submit" class="pb-btn pb-btn-primary" disabled={action.busy}>
                {t('issue')}
              </button>
            </div>
          </form>
        </Modal>
      )}
      {dialog?.kind === 'publicKey' && (
        <Modal id="public-key" title={t('registerPublicKey')} onClose={() => setDialog(undefined)}>
          <form
            class="pb-form"
            onSubmit={(e) => {
              e.preventDefault();
              void finish(async () => {
                const k = await api.call('POST /embed-configs/{id}/keys', {
                  params: { id: config.id },
                  body: { type: 'publicKey', alg, pem: pem.trim(), ...(kid.trim() ? { kid: kid.trim() } : {}) },
                });
                setPem('');
                setKid('');
                c.announce(t('publicKeyAddedMsg', { kid: k.kid }));
              });
            }}
          >
            <SelectField
              label={t('algorithm')}
              value={alg}
              onChange={(v) => setAlg(v === 'ES256' ? 'ES256' : 'RS256')}
              options={[
                { value: 'RS256', label: 'RS256' },
                { value: 'ES256', label: 'ES256' },
              ]}
            />
            <TextField label={t('kidOptional')} value={kid} onInput={setKid} mono />
            <TextArea label={t('publicKeyPem')} value={pem} onInput={setPem} rows={8} required mono hint={t('publicKeyPemHint')} />
            <ErrorAlert error={action.error} />
            <div class="pb-actions pb-actions-end">
              <button type="button" class="pb-btn" onClick={() => setDialog(undefined)}>
                {t('cancel')}
              </button>
              <button type="submit" class="pb-btn pb-btn-primary" disabled={action.busy}>
                {t('register')}
              </button>
            </div>
          </form>
        </Modal>
      )}
    </div>
  );
}
