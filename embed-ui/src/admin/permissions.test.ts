import type { EmbedConfig } from '@patchbay/shared';
import { describe, expect, it } from 'vitest';
import { canOnConfig, canOnIntegration, type Me } from './permissions.ts';
import { setPermission } from './views/AdminUsers.tsx';

const configs = new Map<string, Pick<EmbedConfig, 'id' | 'groups'>>([
  [
    'cfg_a',
    {
      id: 'cfg_a',
      groups: [
        { id: 'grp_crm', name: 'CRM', flowIds: ['flow_sync'], highlightedConnectors: [] },
        { id: 'grp_rep', name: 'Reporting', flowIds: ['flow_export'], highlightedConnectors: [] },
      ],
    },
  ],
  ['cfg_b', { id: 'cfg_b', groups: [{ id: 'grp_other', name: 'Other', flowIds: ['flow_sync'], highlightedConnectors: [] }] }],
]);
const person = (role: Me['role'], permissions: Me['permissions'] = []): Me => ({
  id: 'adm_0123456789',
  email: 'a@b.test',
  name: 'A',
  role,
  permissions,
  createdAt: '2026-11-23T12:00:00.000Z',
});

describe('what the console offers a signed-in admin', () => {
  it('offers owners and admins everything', () => {
    for (const role of ['owner', 'admin'] as const) {
      expect(canOnIntegration(person(role), 'manage', configs, 'cfg_unknown', 'flow_x')).toBe(true);
      expect(canOnConfig(person(role), 'manage', configs, 'cfg_b')).toBe(true);
    }
  });

  it('offers a member an action only in a group of that configuration offering the flow where it holds the permission', () => {
    const member = person('member', [
      { groupId: 'grp_crm', view: true, run: false, manage: true },
      { groupId: 'grp_rep', view: true, run: false, manage: false },
    ]);
    expect(canOnIntegration(member, 'manage', configs, 'cfg_a', 'flow_sync')).toBe(true);
    expect(canOnIntegration(member, 'manage', configs, 'cfg_a', 'flow_export')).toBe(false);
    expect(canOnIntegration(member, 'view', configs, 'cfg_a', 'flow_export')).toBe(true);
    // The same flow in another configuration's group is not covered.
    expect(canOnIntegration(member, 'view', configs, 'cfg_b', 'flow_sync')).toBe(false);
    expect(canOnConfig(member, 'manage', configs, 'cfg_a')).toBe(true);
    expect(canOnConfig(member, 'manage', configs, 'cfg_b')).toBe(false);
  });

  it('offers a member with view only no change at all', () => {
    const viewer = person('member', [{ groupId: 'grp_crm', view: true, run: false, manage: false }]);
    expect(canOnIntegration(viewer, 'manage', configs, 'cfg_a', 'flow_sync')).toBe(false);
    expect(canOnIntegration(viewer, 'run', configs, 'cfg_a', 'flow_sync')).toBe(false);
    expect(canOnConfig(viewer, 'manage', configs, 'cfg_a')).toBe(false);
    expect(canOnIntegration(person('member'), 'view', configs, 'cfg_a', 'flow_sync')).toBe(false);
  });
});

describe('editing a member’s permissions', () => {
  const none = { view: false, run: false, manage: false };
  it('lets run and manage bring view along, and taking view away takes everything', () => {
    expect(setPermission(none, 'manage', true)).toEqual({ view: true, run: false, manage: true });
    expect(setPermission(none, 'run', true)).toEqual({ view: true, run: true, manage: false });
    expect(setPermission({ view: true, run: true, manage: true }, 'view', false)).toEqual(none);
    expect(setPermission({ view: true, run: true, manage: true }, 'manage', false)).toEqual({ view: true, run: true, manage: false });
  });
});
