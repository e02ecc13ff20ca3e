import { type AdminRole, adminRoleSchema, adminUserCreateSchema } from '@patchbay/shared';
import { loadConfig } from '../config.ts';
import { newSecret } from '../crypto/tokens.ts';
import { countAdminUsers } from '../db/repos/adminUsers.ts';
import { openCliContext } from '../openContext.ts';
import { createAdminUser } from '../services/admins/adminUsers.ts';
import { CliError, type Command, parseCommandArgs, required, UsageError } from './io.ts';

const HELP = `Usage: patchbay admin create --email <email> --name <name> [--role owner|admin|member]

Creates an admin user of the console and the API. The first admin must be an owner (the
default for the first one); after that, --role is required.

The password comes from PATCHBAY_ADMIN_PASSWORD (at least 12 characters); without it a random
password is generated and printed once.`;

/** `patchbay admin create`. */
export const adminCreateCommand: Command = {
  summary: 'create an admin user (password from PATCHBAY_ADMIN_PASSWORD or generated)',
  async run(args, env, io) {
    const values = parseCommandArgs(args, { email: { type: 'string' }, name: { type: 'string' }, role: { type: 'string' } }, HELP, io);
    if (!values) return 0;
    const email = required(values.email, 'email');
    const name = required(values.name, 'name');
    const roleText = typeof values.role === 'string' ? values.role : undefined;
    if (roleText !== undefined && !adminRoleSchema.safeParse(roleText).success) {
      throw new UsageError('--role must be owner, admin or member');
    }
    const fromEnv = env.PATCHBAY_ADMIN_PASSWORD;
    const password = fromEnv ?? newSecret('', 18);
    const config = loadConfig(env);
    const cli = await openCliContext(config);
    try {
      const first = (await countAdminUsers(cli.ctx.db)) === 0;
      if (!first && roleText === undefined) throw new UsageError('--role is required (owner, admin or member)');
      const role = (roleText ?? 'owner') as AdminRole;
      if (first && role !== 'owner') throw new CliError('The first admin must be an owner: run again with --role owner.');
      const input = adminUserCreateSchema.safeParse({ email, name, role, password });
      if (!input.success) {
        const problems = input.error.issues.map((i) => {
          const field = String(i.path[0]);
          return field === 'password' ? `PATCHBAY_ADMIN_PASSWORD: ${i.message}` : `--${field}: ${i.message}`;
        });
        throw new CliError(`Cannot create the admin:\n- ${problems.join('\n- ')}`);
      }
      const { id } = await createAdminUser(cli.ctx, { kind: 'system' }, input.data);
      io.out(`Created ${role} ${input.data.email} (${id}).`);
      if (fromEnv === undefined) {
        io.out('Password (shown only this once; store it now):');
        io.out(password);
      } else {
        io.out('Password: the one in PATCHBAY_ADMIN_PASSWORD.');
      }
      return 0;
    } finally {
      await cli.close();
    }
  },
};
