import type { ApiTokenScope } from '@patchbay/shared';
import { useState } from 'preact/hooks';
import type { ItemOf } from '../api.ts';
import { Badge, Empty, ErrorAlert } from '../components/Feedback.tsx';
import { CheckboxField, SelectField, TextField } from '../components/Field.tsx';
import { ConfirmDialog, Modal } from '../components/Modal.tsx';
import { PageHeader } from '../components/Page.tsx';
import { PagedTable } from '../components/PagedTable.tsx';
import { SecretOnce } from '../components/SecretOnce.tsx';
import { useConsole } from '../context.ts';
import { allPages, useAction, useLoad, usePagedList } from '../hooks.ts';
import { isAdmin } from '../permissions.ts';
import { bodyIssues } from './EmbedConfigCreate.tsx';

type Token = ItemOf<'GET /api-tokens'>;
const SCOPES: readonly ApiTokenScope[] = ['read', 'write', 'run'];

/** Active, revoked or expired, at `now`. */
export function tokenState(token: Pick<Token, 'revokedAt' | 'expiresAt'>, now: number): 'active' | 'revoked' | 'expired' {
  if (token.revokedAt) return 'revoked';
  if (token.expiresAt && Date.parse(token.expiresAt) <= now) return 'expired';
  return 'active';
}

/** API tokens for scripts (`pb_…`): create (the value shown once), scopes, revoke. */
export function ApiTokens() {
  const c = useConsole();
  const { t, api } = c;
  const admin = isAdmin(c.me);
  const [creating, setCreating] = useState(false);
  const [revoking, setRevoking] = useState<Token>();
  const [shown, setShown] = useState<{ name: string; token: string }>();
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<ApiTokenScope[]>(['read']);
  const [expires, setExpires] = useState('');
  const [owner, setOwner] = useState(c.me.id);
  const create = useAction();
  const revoke = useAction();
  const list = usePagedList(
    (cursor) => api.call('GET /api-tokens', { query: { cursor, limit: 50 } }),
    (x) => x.id,
    [],
  );
  const admins = useLoad(
    async () => (admin ? await allPages((cursor) => api.call('GET /admin-users', { query: { cursor, limit: 200 } })) : [c.me]),
    [admin],
  );
  const adminName = (id: string) => admins.data?.find((a) => a.id === id)?.name ?? id;
  const issues = bodyIssues(create.error, ['name', 'scopes', 'expiresAt', 'adminUserId']);
  const now = Date.now();

  const submit = async (e: Event) => {
    e.preventDefault();
    const ok = await create.run(async () => {
      const created = await api.call('POST /api-tokens', {
        body: {
          name: name.trim(),
          scopes,
          ...(owner !== c.me.id ? { adminUserId: owner } : {}),
          ...(expires ? { expiresAt: new Date(`${expires}T23:59:59`).toISOString() } : {}),
        },
      });
      setShown({ name: created.name, token: created.token });
      c.announce(t('tokenCreatedMsg', { name: created.name }));
      await list.reload();
    });
    if (ok) {
      setCreating(false);
      setName('');
      setExpires('');
    }
  };

  return (
    <>
      <PageHeader
        title={t('navApiTokens')}
        actions={
          <button type="button" class="pb-btn pb-btn-primary" onClick={() => setCreating(true)}>
            {t('createToken')}
          </button>
        }
      >
        <span class="pb-muted">{t(admin ? 'tokensAllHint' : 'tokensOwnHint')}</span>
      </PageHeader>
      <PagedTable
        list={list}
        caption={t('navApiTokens')}
        rowKey={(x) => x.id}
        empty={
          <Empty title={t('noTokens')}>
            <p>{t('noTokensNext')}</p>
          </Empty>
        }
        columns={[
          { key: 'name', header: t('name'), cell: (x) => x.name },
          { key: 'prefix', header: t('tokenPrefix'), cell: (x) => <span class="pb-mono">{x.prefix}…</span> },
          { key: 'scopes', header: t('scopes'), cell: (x) => x.scopes.map((s) => t(`scope_${s}`)).join(', ') },
          { key: 'owner', header: t('tokenOwner'), cell: (x) => adminName(x.adminUserId) },
          { key: 'created', header: t('created'), cell: (x) => c.date(x.createdAt) },
          { key: 'used', header: t('colLastUsed'), cell: (x) => c.date(x.lastUsedAt) },
          { key: 'expires', header: t('expires'), cell: (x) => c.date(x.expiresAt) },
          {
            key: 'status',
            header: t('colStatus'),
            cell: (x) => {
              const state = tokenState(x, now);
              return <Badge tone={state === 'active' ? 'ok' : 'off'}>{t(`token_${state}`)}</Badge>;
            },
          },
          {
            key: 'actions',
            header: t('colActions'),
            actions: true,
            cell: (x) =>
              !x.revokedAt && (
                <button
                  type="button"
                  class="pb-btn pb-btn-small pb-btn-danger-outline"
                  onClick={() => {
                    revoke.clear();
                    setRevoking(x);
                  }}
                >
                  {t('revoke')}
                </button>
              ),
          },
        ]}
      />
      {creating && (
        <Modal id="create-token" title={t('createToken')} onClose={() => setCreating(false)}>
          <form class="pb-form" onSubmit={(e) => void submit(e)}>
            <TextField label={t('name')} value={name} onInput={setName} error={issues.byField.name} required />
            <fieldset class="pb-fieldset">
              <legend>{t('scopes')}</legend>
              {SCOPES.map((s) => (
                <CheckboxField
                  key={s}
                  label={t(`scope_${s}`)}
                  hint={t(`scopeHint_${s}`)}
                  checked={scopes.includes(s)}
                  onChange={(on) =>
                    setScopes((old) => (on ? SCOPES.filter((x) => x === s || old.includes(x)) : old.filter((x) => x !== s)))
                  }
                />
              ))}
              {issues.byField.scopes && <p class="pb-field-error">{issues.byField.scopes}</p>}
            </fieldset>
            <TextField
              label={t('expiresOn')}
              type="date"
              value={expires}
              onInput={setExpires}
              hint={t('expiresOnHint')}
              error={issues.byField.expiresAt}
            />
            {admin && admins.data && (
              <SelectField
                label={t('tokenFor')}
                value={owner}
                onChange={setOwner}
                options={admins.data.map((a) => ({ value: a.id, label: `${a.name} (${a.email})` }))}
              />
            )}
            <ErrorAlert error={create.error} />
            <div class="pb-actions pb-actions-end">
              <button type="button" class="pb-btn" onClick={() => setCreating(false)}>
                {t('cancel')}
              </button>
              <button type="submit" class="pb-btn pb-btn-primary" disabled={create.busy || scopes.length === 0}>
                {t('createToken')}
              </button>
            </div>
          </form>
        </Modal>
      )}
      {shown && (
        <SecretOnce
          title={t('tokenCreatedTitle')}
          secrets={[{ label: t('tokenValue', { name: shown.name }), value: shown.token }]}
          onClose={() => setShown(undefined)}
        />
      )}
      {revoking && (
        <ConfirmDialog
          id="revoke-token"
          title={t('revokeTokenTitle')}
          confirmLabel={t('revoke')}
          busy={revoke.busy}
          error={revoke.error}
          onCancel={() => setRevoking(undefined)}
          onConfirm={() =>
            void revoke
              .run(async () => {
                list.replace(await api.call('DELETE /api-tokens/{id}', { params: { id: revoking.id } }));
                c.announce(t('tokenRevokedMsg', { name: revoking.name }));
              })
              .then((ok) => ok && setRevoking(undefined))
          }
        >
          <p>{t('revokeTokenText', { name: revoking.name })}</p>
        </ConfirmDialog>
      )}
    </>
  );
}
