import type { EmbedConfig } from '@patchbay/shared';
import { CopyField } from '../components/Copy.tsx';
import { useConsole } from '../context.ts';

/** The script-tag snippet for a configuration (the SDK served by Patchbay itself). */
export function scriptSnippet(origin: string, configId: string): string {
  return [
    '<div id="integrations"></div>',
    `<script src="${origin}/sdk/v1/patchbay.js"></script>`,
    '<script>',
    '  Patchbay.mountPortal({',
    "    container: '#integrations',",
    `    url: '${origin}',`,
    `    configId: '${configId}',`,
    '    // Your backend signs an embed token for the signed-in user (see below).',
    "    token: () => fetch('/api/patchbay-token').then((r) => r.text()),",
    '  });',
    '</script>',
  ].join('\n');
}

/** The npm snippet: the browser entry in the vendor's app. */
export function npmSnippet(origin: string, configId: string): string {
  return [
    '// npm install @patchbay/sdk',
    "import { mountPortal } from '@patchbay/sdk';",
    '',
    'const portal = mountPortal({',
    "  container: '#integrations',",
    `  url: '${origin}',`,
    `  configId: '${configId}',`,
    "  token: () => fetch('/api/patchbay-token').then((r) => r.text()),",
    '});',
    "portal.on('integration.enabled', (e) => console.log('enabled', e.integrationId));",
  ].join('\n');
}

/** The backend snippet: signing an embed token with the configuration's secret (never in the browser). */
export function tokenSnippet(configId: string, sharingLevel: EmbedConfig['sharingLevel']): string {
  return [
    "import { signEmbedToken } from '@patchbay/sdk/node';",
    '',
    '// GET /api/patchbay-token, for the signed-in user',
    'const token = signEmbedToken({',
    `  configId: '${configId}',`,
    '  secret: process.env.PATCHBAY_SIGNING_SECRET, // shown once when the secret was created',
    '  kid: process.env.PATCHBAY_SIGNING_KID,',
    '  user: { id: user.id, name: user.name, email: user.email },',
    `  account: { id: user.companyId }, // ${sharingLevel === 'account' ? 'shared by everyone of the account' : 'the user’s company'}`,
    '});',
  ].join('\n');
}

/** The snippets to paste: script tag, npm, and the backend that signs the token; each with a copy button. */
export function Snippet({ config }: { config: EmbedConfig }) {
  const { t } = useConsole();
  const origin = new URL(config.embedUrl).origin;
  return (
    <div class="pb-stack">
      <p class="pb-hint">{t('snippetHint')}</p>
      <CopyField id="snippet-script" label={t('snippetScript')} value={scriptSnippet(origin, config.id)} multiline />
      <CopyField id="snippet-npm" label={t('snippetNpm')} value={npmSnippet(origin, config.id)} multiline />
      <CopyField id="snippet-token" label={t('snippetToken')} value={tokenSnippet(config.id, config.sharingLevel)} multiline />
    </div>
  );
}
