import { redactDatabaseUrl } from '../db/postgresDriver.ts';
import { ACME_USERS } from './acmeAssets.ts';
import { DEMO_MAILER_CREDENTIALS } from './demoMailerApi.ts';
import type { RunningDemo } from './startDemo.ts';

/** The block the demo prints once everything runs: where to go and every credential a newcomer needs. */
export function demoBanner(demo: RunningDemo): string[] {
  const { urls, seed } = demo;
  const users = ACME_USERS.map((u) => u.name).join(' and ');
  const secret = seed.signingSecret;
  return [
    '',
    '  Patchbay demo is running.',
    '',
    `  ▶ Open Acme CRM:      ${urls.acme}`,
    `                        a CRM's settings page on its own origin, embedding the Patchbay portal;`,
    `                        switch between ${users} (one account) at the top right.`,
    '',
    `  Patchbay:             ${urls.patchbay}`,
    `  ▶ Admin console:      ${urls.patchbay}/admin`,
    '                        sign in with this login and password (the owner of the demo):',
    `  Admin login:          ${seed.adminEmail}`,
    `  Admin password:       ${seed.adminPassword ?? '(changed since the demo created it)'}`,
    `  API token:            ${seed.apiToken}`,
    `                        try: curl -H "Authorization: Bearer ${seed.apiToken}" ${urls.patchbay}/api/v1/integrations`,
    `  Embed configuration:  ${seed.configId} (account level, allowed origin ${urls.acme})`,
    `  Signing secret:       ${secret ? `${secret.value} (kid ${secret.kid}, HS256; Acme's backend signs tokens with it)` : '(none active)'}`,
    '',
    `  Demo CRM (OAuth2):    its sign-in page (${urls.crmSignIn}) accepts any login and password;`,
    `                        API ${urls.crmApi}`,
    `  Demo Mailer (basic):  username "${DEMO_MAILER_CREDENTIALS.username}", password "${DEMO_MAILER_CREDENTIALS.password}" (any other is refused);`,
    `                        API ${urls.mailerApi}`,
    '',
    `  Data: ${demo.config.databaseUrl === null ? demo.config.dbFile : redactDatabaseUrl(demo.config.databaseUrl)} (a re-run reuses it). Stop everything with Ctrl+C.`,
    '',
  ];
}
