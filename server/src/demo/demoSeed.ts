import crypto from 'node:crypto';
import { API_TOKEN_PREFIX } from '../auth/apiTokenAuth.ts';
import { type AppContext, inTransaction, nowIso } from '../context.ts';
import { verifyPassword } from '../crypto/passwords.ts';
import { open, seal } from '../crypto/secretBox.ts';
import { secretLocation } from '../crypto/secretColumns.ts';
import { hashToken, newId, newSecret } from '../crypto/tokens.ts';
import { findAdminUserByEmail } from '../db/repos/adminUsers.ts';
import { findLiveApiToken, insertApiToken } from '../db/repos/apiTokens.ts';
import { embedKeyRowKey, findEmbedConfig, insertEmbedConfig, insertEmbedKey, listEmbedKeys } from '../db/repos/embedConfigs.ts';
import { createAdminUser } from '../services/admins/adminUsers.ts';
import { createApiToken } from '../services/admins/apiTokens.ts';
import { recordAudit } from '../services/audit/recordAudit.ts';

/** The demo's fixed names, so a re-run finds what the first run made. */
export const DEMO = {
  adminEmail: 'owner@demo.patchbay.test',
  adminName: 'Demo Owner',
  tokenName: 'demo',
  // Account level: the two Acme users share connections and integrations (docs/domain.md#sharing-levels).
  configId: 'cfg_demoacmecrm5174',
  configName: 'Acme CRM › Integrations',
  origin: 'http://localhost:5174',
  kid: 'demo-1',
  consentText:
    'Acme CRM uses Patchbay to connect your other tools. The accounts you connect here are shared with everyone at your company and are used only by the integrations you switch on.',
  branding: {
    title: 'Acme CRM › Integrations',
    colors: {
      primary: '#4f46e5',
      primaryText: '#ffffff',
      background: '#ffffff',
      surface: '#f8fafc',
      text: '#0f172a',
      muted: '#64748b',
      border: '#e2e8f0',
    },
    darkColors: {
      primary: '#818cf8',
      primaryText: '#0f172a',
      background: '#0f172a',
      surface: '#1e293b',
      text: '#f1f5f9',
      muted: '#94a3b8',
      border: '#334155',
    },
  },
} as const;

/** What the demo prints: credentials a newcomer needs to click through. */
export interface DemoSeed {
  readonly adminUserId: string;
  readonly adminEmail: string;
  /** Null when the demo admin's password was changed after seeding. */
  readonly adminPassword: string | null;
  readonly apiToken: string;
  readonly configId: string;
  readonly allowedOrigin: string;
  /** The configuration's HS256 signing secret, null when the demo key was rotated away. */
  readonly signingSecret: { kid: string; value: string } | null;
  /** What this run created (empty on a re-run over a seeded database). */
  readonly created: readonly string[];
}

/**
 * Demo credentials are derived from the encryption key (HMAC with a label), so every run over
 * the same database prints the same working values without storing them anywhere else.
 */
function derived(ctx: AppContext, label: string): string {
  return crypto.createHmac('sha256', ctx.keyring.current.key).update(`patchbay demo ${label}`).digest().toString('base64url');
}

/**
 * Seeds the demo: an owner admin, an API token for it, and one account-level embed configuration
 * allowing `http://localhost:5174` with consent, branding and an HS256 secret. Connectors, flows
 * and groups come from `seedDemoWorld` (they need the running demo services' URLs). Idempotent: a re-run creates nothing twice and
 * answers the same credentials.
 */
export async function seedDemo(ctx: AppContext): Promise<DemoSeed> {
  const created: string[] = [];
  const system = { kind: 'system' } as const;

  const adminPassword = derived(ctx, 'admin password').slice(0, 24);
  let admin = await findAdminUserByEmail(ctx.db, DEMO.adminEmail);
  let passwordKnown = true;
  if (!admin) {
    await createAdminUser(ctx, system, { email: DEMO.adminEmail, name: DEMO.adminName, role: 'owner', password: adminPassword });
    admin = await findAdminUserByEmail(ctx.db, DEMO.adminEmail);
    created.push('admin');
  } else {
    passwordKnown = await verifyPassword(adminPassword, admin.password_hash);
  }
  if (!admin) throw new Error('demo admin missing after creation');
  const adminId = admin.id;

  let apiToken = `${API_TOKEN_PREFIX}${derived(ctx, 'api token')}`;
  if (!(await findLiveApiToken(ctx.db, hashToken(apiToken), nowIso(ctx)))) {
    try {
      await inTransaction(ctx, async (txCtx) => {
        const id = newId('tok');
        await insertApiToken(txCtx.db, {
          id,
          admin_user_id: adminId,
          name: DEMO.tokenName,
          token_hash: hashToken(apiToken),
          prefix: apiToken.slice(0, 8),
          scopes: ['read', 'write', 'run'],
          created_at: nowIso(txCtx),
          expires_at: null,
        });
        await recordAudit(txCtx, system, {
          action: 'api_token.created',
          objectType: 'api_token',
          objectId: id,
          details: { adminUserId: adminId, name: DEMO.tokenName },
        });
      });
    } catch {
      // The derived token exists but was revoked: issue a random one instead.
      apiToken = (await createApiToken(ctx, system, { adminUserId: adminId, name: DEMO.tokenName })).token;
    }
    created.push('api token');
  }

  let signingSecret: DemoSeed['signingSecret'] = null;
  if (!(await findEmbedConfig(ctx.db, DEMO.configId))) {
    const now = nowIso(ctx);
    const value = newSecret('', 32);
    await inTransaction(ctx, async (txCtx) => {
      await insertEmbedConfig(txCtx.db, {
        id: DEMO.configId,
        name: DEMO.configName,
        sharing_level: 'account',
        allowed_origins: JSON.stringify([DEMO.origin]),
        consent: JSON.stringify({ enabled: true, text: DEMO.consentText }),
        branding: JSON.stringify(DEMO.branding),
        default_language: 'en',
        proprietary_connector_id: null,
        callback_url: null,
        callback_secret_enc: null,
        enabled: 1,
        created_at: now,
        updated_at: now,
      });
      await insertEmbedKey(txCtx.db, {
        config_id: DEMO.configId,
        kid: DEMO.kid,
        alg: 'HS256',
        account_id: null,
        secret_enc: seal(txCtx.keyring, secretLocation('embed_config_keys', 'secret_enc', embedKeyRowKey(DEMO.configId, DEMO.kid)), value),
        public_key_pem: null,
        status: 'active',
        expires_at: null,
        created_at: now,
        revoked_at: null,
      });
      await recordAudit(txCtx, system, {
        action: 'embed_config.created',
        objectType: 'embed_config',
        objectId: DEMO.configId,
        configId: DEMO.configId,
        details: { name: DEMO.configName, sharingLevel: 'account', allowedOrigins: [DEMO.origin], seededBy: 'demo' },
      });
    });
    created.push('embed configuration');
    signingSecret = { kid: DEMO.kid, value };
  } else {
    // The signing secret is stored sealed (it must be, to verify tokens), so the demo can show it again.
    const key = (await listEmbedKeys(ctx.db, DEMO.configId)).find(
      (k) => k.status === 'active' && k.alg === 'HS256' && k.account_id === null,
    );
    if (key?.secret_enc) {
      const at = secretLocation('embed_config_keys', 'secret_enc', embedKeyRowKey(key.config_id, key.kid));
      signingSecret = { kid: key.kid, value: open(ctx.keyring, at, key.secret_enc) };
    }
  }

  return {
    adminUserId: adminId,
    adminEmail: DEMO.adminEmail,
    adminPassword: passwordKnown ? adminPassword : null,
    apiToken,
    configId: DEMO.configId,
    allowedOrigin: DEMO.origin,
    signingSecret,
    created,
  };
}
