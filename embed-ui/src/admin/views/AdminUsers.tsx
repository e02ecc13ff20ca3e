import type { AdminRole } from '@patchbay/shared';
import { useState } from 'preact/hooks';
import type { ItemOf } from '../api.ts';
import { Empty, ErrorAlert } from '../components/Feedback.tsx';
import { SelectField, TextField } from '../components/Field.tsx';
import { Modal } from '../components/Modal.tsx';
import { PageHeader } from '../components/Page.tsx';
import { PagedTable } from '../components/PagedTable.tsx';
import { useConsole } from '../context.ts';
import { useAction, usePagedList } from '../hooks.ts';
import type { MessageKey } from '../i18n.ts';
import { isAdmin, type Permission } from '../permissions.ts';
import { bodyIssues } from './EmbedConfigCreate.tsx';

type AdminUser = ItemOf<'GET /admin-users'>;
type Grant = { view: boolean; run: boolean; manage: boolean };

const ROLE: Record<AdminRole, MessageKey> = { owner: 'roleOwner', admin: 'roleAdmin', member: 'roleMember' };
const PERMS: readonly Permission[] = ['view', 'run', 'manage'];

/** A permission change: `run` and `manage` imply `view`; without `view` nothing else stays. */
export function setPermission(grant: Grant, perm: Permission, on: boolean): Grant {
  if (perm === 'view') return on ? { ...grant, view: true } : { view: false, run: false, manage: false };
  return { ...grant, [perm]: on, view: on ? true : grant.view };
}

/** A member's per-group permissions, for every group of every configuration. */
function PermissionsDialog({ user, onClose, onSaved }: { user: AdminUser; onClose(): void; onSaved(u: AdminUser): void }) {
  const c = useConsole();
  const { t, api, lookups } = c;
  const [grants, setGrants] = useState<Record<string, Grant>>(() =>
    Object.fromEntries(user.permissions.map((p) => [p.groupId, { view: p.view, run: p.run, manage: p.manage }])),
  );
  const action = useAction();
  const configs = [...lookups.configs.values()].filter((x) => x.groups.length > 0);
  const save = async (e: Event) => {
    e.preventDefault();
    await action.run(async () => {
      const permissions = Object.entries(grants)
        .filter(([, g]) => g.view || g.run || g.manage)
        .map(([groupId, g]) => ({ groupId, ...g }));
      const updated = await api.call('PUT /admin-users/{id}/permissions', { params: { id: user.id }, body: { permissions } });
      c.announce(t('permissionsSavedMsg', { name: updated.name }));
      onSaved(updated);
    });
  };
  return (
    <Modal id="permissions" title={t('permissionsOf', { name: user.name })} onClose={onClose}>
      <form class="pb-form" onSubmit={(e) => void save(e)}>
        <p class="pb-hint">{t('permissionsHint')}</p>
        {configs.length === 0 && <Empty title={t('noGroups')} />}
        {configs.map((config) => (
          <table class="pb-table pb-perm-table" key={config.id}>
            <caption>{config.name}</caption>
            <thead>
              <tr>
                <th scope="col">{t('groupName')}</th>
                {PERMS.map((p) => (
                  <th scope="col" key={p}>
                    {t(`perm_${p}`)}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {config.groups.map((g) => {
                const grant = grants[g.id] ?? { view: false, run: false, manage: false };
                return (
                  <tr key={g.id}>
                    <th scope="row">{g.name}</th>
                    {PERMS.map((p) => (
                      <td key={p}>
                        <input
                          type="checkbox"
                          checked={grant[p]}
                          aria-label={t('permOnGroup', { perm: t(`perm_${p}`), group: g.name, config: config.name })}
                          onChange={(e) =>
                            setGrants((all) => ({ ...all, [g.id]: setPermission(grant, p, (e.currentTarget as HTMLInputElement).checked) }))
                          }
                        />
                      </td>
                    ))}
                  </tr>
                );
              })}
            </tbody>
          </table>
        ))}
        <ErrorAlert error={action.error} />
        <div class="pb-actions pb-actions-end">
          <button type="button" class="pb-btn" onClick={onClose}>
            {t('cancel')}
          </button>
          <button type="submit" class="pb-btn pb-btn-primary" disabled={action.busy}>
            {t('savePermissions')}
          </button>
        </div>
      </form>
    </Modal>
  );
}

/** A new admin user: e-mail, name, role, first password. */
function CreateDialog({ onClose, onCreated }: { onClose(): void; onCreated(u: AdminUser): void }) {
  const c = useConsole();
  const { t, api } = c;
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [role, setRole] = useState<AdminRole>('member');
  const [password, setPassword] = useState('');
  const action = useAction();
  const issues = bodyIssues(action.error, ['email', 'name', 'role', 'password']);
  const roles: AdminRole[] = c.me.role === 'owner' ? ['member', 'admin', 'owner'] : ['member', 'admin'];
  return (
    <Modal id="create-admin" title={t('addAdminUser')} onClose={onClose}>
      <form
        class="pb-form"
        onSubmit={(e) => {
          e.preventDefault();
          void action.run(async () => {
            const u = await api.call('POST /admin-users', { body: { email: email.trim(), name: name.trim(), role, password } });
            setPassword('');
            c.announce(t('adminCreatedMsg', { name: u.name }));
            onCreated(u);
          });
        }}
      >
        <TextField
          label={t('email')}
          type="email"
          value={email}
          onInput={setEmail}
          error={issues.byField.email}
          required
          autocomplete="off"
        />
        <TextField label={t('name')} value={name} onInput={setName} error={issues.byField.name} required />
        <SelectField
          label={t('role')}
          value={role}
          onChange={(v) => setRole(v as AdminRole)}
          options={roles.map((r) => ({ value: r, label: t(ROLE[r]) }))}
          hint={t('roleHint')}
        />
        <TextField
          label={t('password')}
          type="password"
          value={password}
          onInput={setPassword}
          error={issues.byField.password}
          hint={t('passwordHint')}
          required
          autocomplete="new-password"
        />
        <ErrorAlert error={action.error} />
        <div class="pb-actions pb-actions-end">
          <button type="button" class="pb-btn" onClick={onClose}>
            {t('cancel')}
          </button>
          <button type="submit" class="pb-btn pb-btn-primary" disabled={action.busy}>
            {t('addAdminUser')}
          </button>
        </div>
      </form>
    </Modal>
  );
}

/** Admin users and their roles; members' per-group view / run / manage (owners and admins only). */
export function AdminUsers() {
  const c = useConsole();
  const { t, api, lookups } = c;
  const admin = isAdmin(c.me);
  const [editing, setEditing] = useState<AdminUser>();
  const [creating, setCreating] = useState(false);
  const list = usePagedList(
    (cursor) => (admin ? api.call('GET /admin-users', { query: { cursor, limit: 50 } }) : Promise.resolve({ items: [], nextCursor: null })),
    (u) => u.id,
    [admin],
  );
  if (!admin) {
    return (
      <>
        <PageHeader title={t('navAdminUsers')} />
        <Empty title={t('adminUsersAdminsOnly')} />
      </>
    );
  }
  const groupName = (groupId: string) => {
    for (const config of lookups.configs.values()) {
      const g = config.groups.find((x) => x.id === groupId);
      if (g) return `${config.name} › ${g.name}`;
    }
    return groupId;
  };
  const summary = (u: AdminUser) => {
    if (u.role !== 'member') return t('allGroups');
    const granted = u.permissions.filter((p) => p.view || p.run || p.manage);
    if (granted.length === 0) return t('noGroupsGranted');
    return granted
      .map(
        (p) =>
          `${groupName(p.groupId)}: ${PERMS.filter((x) => p[x])
            .map((x) => t(`perm_${x}`))
            .join(', ')}`,
      )
      .join('; ');
  };
  return (
    <>
      <PageHeader
        title={t('navAdminUsers')}
        actions={
          <button type="button" class="pb-btn pb-btn-primary" onClick={() => setCreating(true)}>
            {t('addAdminUser')}
          </button>
        }
      />
      <PagedTable
        list={list}
        caption={t('navAdminUsers')}
        rowKey={(u) => u.id}
        empty={null}
        columns={[
          { key: 'name', header: t('name'), cell: (u) => u.name },
          { key: 'email', header: t('email'), cell: (u) => u.email },
          { key: 'role', header: t('role'), cell: (u) => t(ROLE[u.role]) },
          { key: 'perms', header: t('groupPermissions'), cell: summary },
          { key: 'created', header: t('created'), cell: (u) => c.date(u.createdAt) },
          {
            key: 'actions',
            header: t('colActions'),
            actions: true,
            cell: (u) =>
              u.role === 'member' && (
                <button
                  type="button"
                  class="pb-btn pb-btn-small"
                  onClick={() => setEditing(u)}
                  aria-label={t('editPermissionsOf', { name: u.name })}
                >
                  {t('editPermissions')}
                </button>
              ),
          },
        ]}
      />
      {editing && (
        <PermissionsDialog
          user={editing}
          onClose={() => setEditing(undefined)}
          onSaved={(u) => {
            list.replace(u);
            setEditing(undefined);
          }}
        />
      )}
      {creating && (
        <CreateDialog
          onClose={() => setCreating(false)}
          onCreated={() => {
            setCreating(false);
            void list.reload();
          }}
        />
      )}
    </>
  );
}
