import { loadConfig } from '../config.ts';
import { generateKey } from '../crypto/keyring.ts';
import { kidsInUse, rotateKeys } from '../crypto/rotateKeys.ts';
import { openCliContext } from '../openContext.ts';
import { type Command, parseCommandArgs, UsageError } from './io.ts';

const GENERATE_HELP = `Usage: patchbay keys generate

Prints a new random 32-byte key, base64, for PATCHBAY_ENCRYPTION_KEY. Nothing is stored.`;

const ROTATE_HELP = `Usage: patchbay keys rotate [--batch-size N]

Re-encrypts every stored secret under the current key. To change keys:
  1. PATCHBAY_ENCRYPTION_KEY=<new key> (make one with \`patchbay keys generate\`)
  2. PATCHBAY_PREVIOUS_ENCRYPTION_KEYS=<old key> (comma-separated if several)
  3. run \`patchbay keys rotate\` (the server may keep running with the same two variables)
  4. when it reports that it is done, remove the old key from PATCHBAY_PREVIOUS_ENCRYPTION_KEYS.
It works in small transactions (--batch-size, default 100) and can be interrupted and run again
at any point; every secret stays readable throughout.`;

/** `patchbay keys generate`. */
export const keysGenerateCommand: Command = {
  summary: 'print a new encryption key',
  async run(args, _env, io) {
    if (!parseCommandArgs(args, {}, GENERATE_HELP, io)) return 0;
    io.out(generateKey());
    io.err('Set it as PATCHBAY_ENCRYPTION_KEY (keep it secret and backed up: without it the stored secrets are lost).');
    return 0;
  },
};

/** `patchbay keys rotate`. */
export const keysRotateCommand: Command = {
  summary: 're-encrypt every secret under the current key',
  async run(args, env, io) {
    const values = parseCommandArgs(args, { 'batch-size': { type: 'string' } }, ROTATE_HELP, io);
    if (!values) return 0;
    const batchText = values['batch-size'];
    const batchSize = batchText === undefined ? 100 : Number(batchText);
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000)
      throw new UsageError('--batch-size must be a whole number from 1 to 10000');
    const config = loadConfig(env);
    // Opening checks that every key the data uses is in the keyring (the old one must be given).
    const cli = await openCliContext(config);
    try {
      const { kid } = cli.ctx.keyring.current;
      const before = await kidsInUse(cli.ctx.db);
      const old = [...before].filter(([k]) => k !== kid).reduce((n, [, c]) => n + c, 0);
      if (old === 0 && config.previousEncryptionKeys.length === 0) {
        io.out(`Every stored secret is already under the current key ${kid}; nothing to rotate.`);
        io.out(
          'To change keys, put a new key in PATCHBAY_ENCRYPTION_KEY and the current one in PATCHBAY_PREVIOUS_ENCRYPTION_KEYS, then run this again.',
        );
        return 0;
      }
      io.out(`Re-encrypting ${old} secret(s) under key ${kid} in batches of ${batchSize}…`);
      let done = 0;
      const result = await rotateKeys(cli.ctx.db, cli.ctx.keyring, {
        batchSize,
        onBatch: (n) => {
          done += n;
          io.err(`  ${done}/${old}`);
        },
      });
      if (result.remaining > 0) {
        io.out(
          `${result.resealed} re-encrypted; ${result.remaining} changed while rotating and are still under an old key. Run \`patchbay keys rotate\` again.`,
        );
        return 1;
      }
      io.out(`Done: ${result.resealed} secret(s) re-encrypted; every stored secret is now under key ${kid}.`);
      if (result.retiredKids.length > 0) io.out(`Retired key id(s): ${result.retiredKids.join(', ')}.`);
      if (config.previousEncryptionKeys.length > 0) {
        io.out(
          'You can now remove the old key(s) from PATCHBAY_PREVIOUS_ENCRYPTION_KEYS and restart the server with only PATCHBAY_ENCRYPTION_KEY.',
        );
      }
      return 0;
    } finally {
      await cli.close();
    }
  },
};
