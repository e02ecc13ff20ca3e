import * as m0001 from './0001_initial.ts';
import * as m0002 from './0002_connect_flows.ts';
import * as m0003 from './0003_hardening.ts';
import * as m0004 from './0004_runs.ts';
import * as m0005 from './0005_rate_limits.ts';
import * as m0006 from './0006_callback_deliveries.ts';
import * as m0007 from './0007_callback_secret_rotation.ts';

/** A numbered, append-only migration. Never edit one that has shipped; add the next number. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly up: string;
}

/** Every migration, in order. Version N is at index N − 1. */
export const migrations: readonly Migration[] = [
  { version: 1, name: 'initial', up: m0001.up },
  { version: 2, name: 'connect_flows', up: m0002.up },
  { version: 3, name: 'hardening', up: m0003.up },
  { version: 4, name: 'runs', up: m0004.up },
  { version: 5, name: 'rate_limits', up: m0005.up },
  { version: 6, name: 'callback_deliveries', up: m0006.up },
  { version: 7, name: 'callback_secret_rotation', up: m0007.up },
];
