import { type ApiTokenScope, apiTokenScopeSchema } from '@patchbay/shared';
import { loadConfig } from '../config.ts';
import { nowIso } from '../context.ts';
import { findAdminUserByEmail } from '../db/repos/adminUsers.ts';
import { openCliContext } from '../openContext.ts';
import { createApiToken } from '../services/admins/apiTokens.ts';
import { CliError, type Command, parseCommandArgs, required, UsageError } from './io.ts';

const HELP = `Usage: patchbay token create --email <admin email> --name <name> [--scopes read,write,run] [--expires-in-days N]

Issues a vendor API token (pb_…) for an existing admin user and prints it once; only its hash
is stored. Scopes default to read,write,run; without --expires-in-days it does not expire.`;

function parseScopes(text: string | boolean | undefined): ApiTokenScope[] {
  if (text === undefined) return ['read', 'write', 'run'];
  const scopes = String(text)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (scopes.length === 0) throw new UsageError('--scopes needs at least one of read, write, run');
  for (const s of scopes)
    if (!apiTokenScopeSchema.safeParse(s).success) throw new UsageError(`--scopes: unknown scope "${s}" (read, write, run)`);
  return [...new Set(scopes)] as ApiTokenScope[];
}

function parseDays(text: string | boolean | undefined): number | null {
  if (text === undefined) return null;
  const days = Number(text);
  if (!Number.isInteger(days) || days < 1 || days > 3650) throw new UsageError('--expires-in-days must be a whole number from 1 to 3650');
  return days;
}

/** `patchbay token create`. */
export const tokenCreateCommand: Command = {
  summary: 'issue an API token for an admin user',
  async run(args, env, io) {
    const values = parseCommandArgs(
      args,
      { email: { type: 'string' }, name: { type: 'string' }, scopes: { type: 'string' }, 'expires-in-days': { type: 'string' } },
      HELP,
      io,
    );
    if (!values) return 0;
    const email = required(values.email, 'email');
    const name = required(values.name, 'name');
    if (name.length > 100) throw new UsageError('--name must be at most 100 characters');
    const scopes = parseScopes(values.scopes);
    const days = parseDays(values['expires-in-days']);
    const cli = await openCliContext(loadConfig(env));
    try {
      const admin = await findAdminUserByEmail(cli.ctx.db, email);
      if (!admin) throw new CliError(`No admin user has the e-mail ${email}. Create one with \`patchbay admin create\`.`);
      if (admin.disabled_at !== null) throw new CliError(`The admin user ${email} is disabled.`);
      const expiresAt = days === null ? null : new Date(cli.ctx.clock.now() + days * 86_400_000).toISOString();
      const { id, token } = await createApiToken(cli.ctx, { kind: 'system' }, { adminUserId: admin.id, name, scopes, expiresAt });
      io.out(
        `Created API token ${id} "${name}" for ${admin.email} (scopes: ${scopes.join(', ')}; ${expiresAt ? `expires ${expiresAt}` : 'does not expire'}; issued ${nowIso(cli.ctx)}).`,
      );
      io.out('Token (shown only this once; store it now):');
      io.out(token);
      return 0;
    } finally {
      await cli.close();
    }
  },
};
