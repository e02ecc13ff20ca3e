import {
  type ConnectorCreate,
  type ConnectorUpdate,
  connectorCreateSchema,
  connectorUpdateSchema,
  embedConfigUpdateSchema,
  type FlowCreate,
  type FlowDefinition,
  flowCreateSchema,
} from '@patchbay/shared';
import type { AdminPrincipal } from '../auth/principal.ts';
import type { AppContext } from '../context.ts';
import { findConnector } from '../db/repos/connectors.ts';
import { findEmbedConfig, listEmbedGroups } from '../db/repos/embedConfigs.ts';
import { findFlow, findOldestFlowIdNamed } from '../db/repos/flows.ts';
import { connectorDefinition } from '../services/connectors/definition.ts';
import { createConnector, updateConnector } from '../services/connectors/forAdmin.ts';
import { updateEmbedConfig } from '../services/embed/configs.ts';
import { createFlow, createFlowVersion, updateFlow } from '../services/flows/forAdmin.ts';
import { DEMO } from './demoSeed.ts';

/** Where the demo's services run; the connectors point there. */
export interface DemoWorldUrls {
  readonly crm: {
    readonly authorizeUrl: string;
    readonly tokenUrl: string;
    readonly revocationUrl: string;
    readonly clientId: string;
    readonly clientSecret: string;
  };
  readonly crmApiUrl: string;
  readonly mailerApiUrl: string;
  /** The Acme CRM page's origin, allowed to frame the portal. */
  readonly acmeOrigin: string;
}

/** What {@link seedDemoWorld} made or found. */
export interface DemoWorld {
  readonly connectorIds: { readonly crm: string; readonly mailer: string };
  readonly flowIds: { readonly pushContacts: string; readonly weeklyDigest: string; readonly syncDeals: string };
  readonly groupIds: readonly string[];
  /** What this run created or changed (empty on a re-run with the same ports). */
  readonly changed: readonly string[];
}

/** The demo's connector ids and flow names, fixed so a re-run finds them. */
export const DEMO_WORLD = {
  crm: 'crm',
  mailer: 'mailer',
  flows: {
    pushContacts: 'Push new contacts to Demo CRM',
    weeklyDigest: 'Send a weekly digest',
    syncDeals: 'Sync deals',
  },
} as const;

const REQUEST_ID = 'demo-seed';

function crmConnector(urls: DemoWorldUrls): ConnectorCreate {
  return connectorCreateSchema.parse({
    id: DEMO_WORLD.crm,
    name: 'Demo CRM',
    authType: 'oauth2',
    baseUrl: urls.crmApiUrl,
    oauth2: {
      authorizeUrl: urls.crm.authorizeUrl,
      tokenUrl: urls.crm.tokenUrl,
      revokeUrl: urls.crm.revocationUrl,
      clientId: urls.crm.clientId,
      clientSecret: urls.crm.clientSecret,
      scopes: ['openid', 'profile'],
      pkce: true,
    },
    validation: { method: 'GET', path: '/me', expectStatus: 200 },
  });
}

function mailerConnector(urls: DemoWorldUrls): ConnectorCreate {
  return connectorCreateSchema.parse({
    id: DEMO_WORLD.mailer,
    name: 'Demo Mailer',
    authType: 'basic',
    baseUrl: urls.mailerApiUrl,
    fields: [
      { key: 'username', label: 'Username', type: 'text', required: true },
      { key: 'password', label: 'Password', type: 'password', required: true },
    ],
    validation: { method: 'GET', path: '/me', expectStatus: 200 },
  });
}

/** Creates a connector, or points an existing one at today's URLs (the demo's ports may change). */
async function ensureConnector(ctx: AppContext, p: AdminPrincipal, want: ConnectorCreate, changed: string[]): Promise<void> {
  const row = await findConnector(ctx.db, want.id);
  if (!row) {
    await createConnector(ctx, p, want, REQUEST_ID);
    changed.push(`connector ${want.id}`);
    return;
  }
  const def = connectorDefinition(row);
  const patch: Record<string, unknown> = {};
  if (row.base_url !== (want.baseUrl ?? null)) patch.baseUrl = want.baseUrl;
  if (want.oauth2 && def.oauth2) {
    const o2: Record<string, unknown> = {};
    if (def.oauth2.authorizeUrl !== want.oauth2.authorizeUrl) o2.authorizeUrl = want.oauth2.authorizeUrl;
    if (def.oauth2.tokenUrl !== want.oauth2.tokenUrl) o2.tokenUrl = want.oauth2.tokenUrl;
    if (def.oauth2.revokeUrl !== want.oauth2.revokeUrl) o2.revokeUrl = want.oauth2.revokeUrl;
    if (Object.keys(o2).length > 0) patch.oauth2 = o2;
  }
  if (Object.keys(patch).length === 0) return;
  const update: ConnectorUpdate = connectorUpdateSchema.parse(patch);
  await updateConnector(ctx, p, want.id, update, REQUEST_ID);
  changed.push(`connector ${want.id} (new URLs)`);
}

/** The demo's flows, as `POST /api/v1/flows` bodies. */
function flowBodies() {
  return {
    pushContacts: {
      name: DEMO_WORLD.flows.pushContacts,
      description: 'Every hour, adds the new contacts of the list you choose to your Demo CRM.',
      slots: [{ key: 'crm', connectorId: DEMO_WORLD.crm, label: 'Demo CRM account' }],
      inputs: [
        {
          key: 'list',
          type: 'select',
          label: 'List',
          help: 'Which Acme CRM list to push',
          required: true,
          default: 'newsletter',
          options: [
            { value: 'newsletter', label: 'Newsletter subscribers' },
            { value: 'customers', label: 'Customers' },
            { value: 'leads', label: 'Leads' },
          ],
        },
      ],
      trigger: { type: 'schedule', everyMinutes: 60 },
      steps: [
        {
          id: 'push',
          type: 'http',
          slot: 'crm',
          method: 'POST',
          path: '/contacts',
          body: { name: 'New Acme contact', email: 'new-contact@acme.example', list: '{{ inputs.list }}' },
        },
      ],
    },
    weeklyDigest: {
      name: DEMO_WORLD.flows.weeklyDigest,
      description: 'Every Monday at 8:00, e-mails a summary of last week’s activity.',
      slots: [{ key: 'mailer', connectorId: DEMO_WORLD.mailer, label: 'Demo Mailer account' }],
      inputs: [
        {
          key: 'recipient',
          type: 'text',
          label: 'Recipient',
          help: 'The e-mail address that gets the digest',
          required: true,
          pattern: '^[^@\\s]+@[^@\\s]+$',
        },
      ],
      trigger: { type: 'schedule', cron: '0 8 * * mon' },
      steps: [
        {
          id: 'send',
          type: 'http',
          slot: 'mailer',
          method: 'POST',
          path: '/messages',
          body: { to: '{{ inputs.recipient }}', subject: 'Your weekly Acme CRM digest', text: 'Here is what happened last week.' },
        },
      ],
    },
    syncDeals: {
      name: DEMO_WORLD.flows.syncDeals,
      description: 'Every minute, copies your Demo CRM contacts and e-mails a summary through the Demo Mailer.',
      slots: [
        { key: 'crm', connectorId: DEMO_WORLD.crm, label: 'Demo CRM account' },
        { key: 'mailer', connectorId: DEMO_WORLD.mailer, label: 'Demo Mailer account' },
      ],
      inputs: [
        {
          key: 'recipient',
          type: 'text',
          label: 'Summary recipient',
          help: 'Who gets the summary of each sync',
          required: true,
          default: 'sales@acme.example',
          pattern: '^[^@\\s]+@[^@\\s]+$',
        },
      ],
      // every minute, so a newcomer sees runs appear in the iframe within a minute of switching it on
      trigger: { type: 'schedule', everyMinutes: 1 },
      steps: [
        { id: 'contacts', type: 'http', slot: 'crm', method: 'GET', path: '/contacts' },
        {
          id: 'summary',
          type: 'http',
          slot: 'mailer',
          method: 'POST',
          path: '/messages',
          body: {
            to: '{{ inputs.recipient }}',
            subject: 'Deals synced',
            text: '{{ steps.contacts.body.items | size }} contacts synced from Demo CRM.',
          },
        },
      ],
    },
  } as const;
}

/**
 * A demo flow seeded by an older demo (before its flows really ran: `Sync deals` every 15 minutes,
 * with a recipient it could not do without left optional) gets today's definition as a new version,
 * pushed to its integrations, and today's description. Nothing changes when it is current; a flow
 * an admin has moved on since is moved on again only if its definition differs from today's.
 */
async function upgradeDemoFlow(ctx: AppContext, p: AdminPrincipal, id: string, want: FlowCreate, changed: string[]): Promise<void> {
  const row = await findFlow(ctx.db, id);
  if (!row) return;
  const { slots, inputs, trigger, steps, retry } = want;
  const definition: FlowDefinition = { slots, inputs, trigger, steps, ...(retry === undefined ? {} : { retry }) };
  const acting = { principal: p, requestId: REQUEST_ID };
  if (JSON.stringify(JSON.parse(row.definition)) !== JSON.stringify(definition)) {
    await createFlowVersion(ctx, acting, id, { definition, pushToIntegrations: true });
    changed.push(`flow "${want.name}" (new version)`);
  }
  if ((want.description ?? null) !== row.description) {
    await updateFlow(ctx, acting, id, { description: want.description ?? null });
    changed.push(`flow "${want.name}" (new description)`);
  }
}

/** The oldest flow with this name (the one an earlier demo run created), if any. */
async function flowNamed(ctx: AppContext, name: string): Promise<string | undefined> {
  return findOldestFlowIdNamed(ctx.db, name);
}

/**
 * Seeds what needs the demo services' URLs: the "Demo CRM" (OAuth2, PKCE) and "Demo Mailer"
 * (basic auth, validated by `GET /me`) connectors, three flows, and the configuration's groups
 * ("CRM" highlighting the CRM connector, "Communication" the mailer). Idempotent: a re-run finds
 * everything by connector id and flow name, only re-pointing connectors at changed ports, and
 * leaves groups an admin has edited alone.
 */
export async function seedDemoWorld(ctx: AppContext, adminUserId: string, urls: DemoWorldUrls): Promise<DemoWorld> {
  const p: AdminPrincipal = {
    kind: 'admin',
    via: 'session',
    adminUserId,
    tokenId: null,
    role: 'owner',
    scopes: new Set(['read', 'write', 'run']),
    groups: new Map(),
  };
  const changed: string[] = [];
  await ensureConnector(ctx, p, crmConnector(urls), changed);
  await ensureConnector(ctx, p, mailerConnector(urls), changed);

  const bodies = flowBodies();
  const flowId = async (key: keyof typeof bodies): Promise<string> => {
    const body = bodies[key];
    const existing = await flowNamed(ctx, body.name);
    if (existing) {
      await upgradeDemoFlow(ctx, p, existing, flowCreateSchema.parse(body), changed);
      return existing;
    }
    changed.push(`flow "${body.name}"`);
    return (await createFlow(ctx, { principal: p, requestId: REQUEST_ID }, flowCreateSchema.parse(body))).id;
  };
  const flowIds = {
    pushContacts: await flowId('pushContacts'),
    weeklyDigest: await flowId('weeklyDigest'),
    syncDeals: await flowId('syncDeals'),
  };

  const config = await findEmbedConfig(ctx.db, DEMO.configId);
  if (!config) throw new Error(`demo configuration ${DEMO.configId} is missing: run seedDemo first`);
  const patch: Record<string, unknown> = {};
  const origins = JSON.parse(config.allowed_origins) as string[];
  if (!origins.includes(urls.acmeOrigin)) patch.allowedOrigins = [...origins, urls.acmeOrigin];
  if ((await listEmbedGroups(ctx.db, DEMO.configId)).length === 0) {
    patch.groups = [
      { name: 'CRM', flowIds: [flowIds.pushContacts, flowIds.syncDeals], highlightedConnectors: [DEMO_WORLD.crm] },
      { name: 'Communication', flowIds: [flowIds.weeklyDigest], highlightedConnectors: [DEMO_WORLD.mailer] },
    ];
  }
  if (Object.keys(patch).length > 0) {
    await updateEmbedConfig(ctx, p, DEMO.configId, embedConfigUpdateSchema.parse(patch), REQUEST_ID);
    if (patch.allowedOrigins) changed.push(`allowed origin ${urls.acmeOrigin}`);
    if (patch.groups) changed.push('groups');
  }
  return {
    connectorIds: { crm: DEMO_WORLD.crm, mailer: DEMO_WORLD.mailer },
    flowIds,
    groupIds: (await listEmbedGroups(ctx.db, DEMO.configId)).map((g) => g.id),
    changed,
  };
}
