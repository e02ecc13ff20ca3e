import { type Config, loadConfig } from '../config.ts';
import type { Logger } from '../log.ts';
import { openCliContext } from '../openContext.ts';
import { type RunningServer, startServer } from '../server.ts';
import { type AcmeApp, startAcmeApp } from './acmeApp.ts';
import { ensureDemoCallbacks } from './demoCallbacks.ts';
import { type DemoCrmApi, startDemoCrmApi } from './demoCrmApi.ts';
import { type DemoCrmProvider, startDemoCrmProvider } from './demoCrmProvider.ts';
import { type DemoMailerApi, startDemoMailerApi } from './demoMailerApi.ts';
import { type DemoSeed, seedDemo } from './demoSeed.ts';
import { freePort } from './listen.ts';
import { type DemoActivity, seedDemoActivity } from './seedActivity.ts';
import { type DemoWorld, seedDemoWorld } from './seedWorld.ts';

/** The demo's ports. */
export interface DemoPorts {
  /** Patchbay itself. */
  readonly patchbay: number;
  /** Acme CRM, the host page (its origin `http://localhost:{acme}` is the allowed origin). */
  readonly acme: number;
  /** Demo CRM sign-in (OAuth2 provider). */
  readonly crm: number;
  /** Demo CRM API. */
  readonly crmApi: number;
  /** Demo Mailer API. */
  readonly mailer: number;
}

/** Where the demo listens unless told otherwise. */
export const DEFAULT_DEMO_PORTS: DemoPorts = { patchbay: 3000, acme: 5174, crm: 5175, crmApi: 5176, mailer: 5177 };

/** The environment variable that moves each port. */
export const DEMO_PORT_VARIABLES: Record<keyof DemoPorts, string> = {
  patchbay: 'PORT',
  acme: 'PATCHBAY_DEMO_ACME_PORT',
  crm: 'PATCHBAY_DEMO_CRM_PORT',
  crmApi: 'PATCHBAY_DEMO_CRM_API_PORT',
  mailer: 'PATCHBAY_DEMO_MAILER_PORT',
};

/** Options of {@link startDemo}. */
export interface StartDemoOptions {
  /** Ports; 0 picks a free one. Default {@link DEFAULT_DEMO_PORTS}. */
  readonly ports?: Partial<DemoPorts>;
  /** Patchbay's environment: `PATCHBAY_DB` and `PATCHBAY_ENCRYPTION_KEY` at least. */
  readonly env: Record<string, string | undefined>;
  /** Logger for Patchbay (default: its own, at `PATCHBAY_LOG_LEVEL`, `warn` for the demo). */
  readonly log?: Logger;
}

/** A running demo. */
export interface RunningDemo {
  readonly ports: DemoPorts;
  readonly urls: {
    /** Patchbay's public URL. */
    readonly patchbay: string;
    /** The Acme CRM page: where a newcomer starts. */
    readonly acme: string;
    readonly crmSignIn: string;
    readonly crmApi: string;
    readonly mailerApi: string;
  };
  readonly config: Config;
  readonly seed: DemoSeed;
  readonly world: DemoWorld;
  /** The runs, the connection needing reconnect and the failed callback the console shows. */
  readonly activity: DemoActivity;
  readonly patchbay: RunningServer;
  readonly crmProvider: DemoCrmProvider;
  readonly crmApi: DemoCrmApi;
  readonly mailer: DemoMailerApi;
  readonly acme: AcmeApp;
  /** Stops every part (idempotent). */
  close(): Promise<void>;
}

/** A port could not be used; the message names the variable that moves it. */
export class DemoPortError extends Error {}

async function resolvePorts(want: Partial<DemoPorts>): Promise<DemoPorts> {
  const out: Record<string, number> = {};
  for (const key of Object.keys(DEFAULT_DEMO_PORTS) as (keyof DemoPorts)[]) {
    const port = want[key] ?? DEFAULT_DEMO_PORTS[key];
    out[key] = port === 0 ? await freePort() : port;
  }
  return out as unknown as DemoPorts;
}

/**
 * Starts the whole demo: the Demo CRM sign-in server and API, the Demo Mailer, seeds Patchbay
 * (idempotent), starts Patchbay on 127.0.0.1 with its public URL set to that address, and
 * starts Acme CRM on `http://localhost:{acme}`. On a failure, whatever started is stopped again.
 */
export async function startDemo(opts: StartDemoOptions): Promise<RunningDemo> {
  const ports = await resolvePorts(opts.ports ?? {});
  const publicUrl = (opts.env.PATCHBAY_PUBLIC_URL ?? `http://127.0.0.1:${ports.patchbay}`).replace(/\/+$/, '');
  const config = loadConfig({
    PATCHBAY_LOG_LEVEL: 'warn',
    ...opts.env,
    PATCHBAY_HOST: '127.0.0.1',
    PORT: String(ports.patchbay),
    PATCHBAY_PUBLIC_URL: publicUrl,
    // The demo's services are plain-HTTP loopback hosts (docs/running.md: for tests and the demo only).
    PATCHBAY_ALLOW_INSECURE_LOOPBACK: 'true',
  });

  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    const pending = stops.splice(0).reverse();
    for (const stop of pending) await stop().catch(() => undefined);
  };
  const started = async <T extends { close(): Promise<void> }>(name: keyof DemoPorts, start: () => Promise<T>): Promise<T> => {
    try {
      const service = await start();
      stops.push(() => service.close());
      return service;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException)?.code;
      if (code === 'EADDRINUSE' || code === 'EACCES') {
        throw new DemoPortError(
          `The demo cannot listen on port ${ports[name]} (${code}). Stop what uses it, or move it with ${DEMO_PORT_VARIABLES[name]}=<port>.`,
        );
      }
      throw err;
    }
  };

  try {
    const crmProvider = await started('crm', () =>
      startDemoCrmProvider({ port: ports.crm, redirectUri: `${publicUrl}/oauth/callback/crm` }),
    );
    const crmApi = await started('crmApi', () =>
      startDemoCrmApi({
        port: ports.crmApi,
        introspectionUrl: crmProvider.introspectionUrl,
        clientId: crmProvider.clientId,
        clientSecret: crmProvider.clientSecret,
      }),
    );
    const mailer = await started('mailer', () => startDemoMailerApi({ port: ports.mailer }));
    const acmeOrigin = `http://localhost:${ports.acme}`;

    const cli = await openCliContext(config);
    let seed: DemoSeed;
    let world: DemoWorld;
    let activity: DemoActivity;
    let callbackSecret: string;
    try {
      seed = await seedDemo(cli.ctx);
      world = await seedDemoWorld(cli.ctx, seed.adminUserId, {
        crm: {
          authorizeUrl: crmProvider.authorizeUrl,
          tokenUrl: crmProvider.tokenUrl,
          revocationUrl: crmProvider.revocationUrl,
          clientId: crmProvider.clientId,
          clientSecret: crmProvider.clientSecret,
        },
        crmApiUrl: crmApi.url,
        mailerApiUrl: mailer.url,
        acmeOrigin,
      });
      // Acme's backend receives the callbacks too, beside the browser's events.
      callbackSecret = (await ensureDemoCallbacks(cli.ctx, seed.configId, ports.acme)).secret;
      activity = await seedDemoActivity(cli.ctx, seed.adminUserId, world);
    } finally {
      await cli.close();
    }
    const secret = seed.signingSecret;
    if (!secret) {
      throw new Error(
        `The demo configuration ${seed.configId} has no active HS256 secret any more, so Acme CRM cannot sign tokens. Delete ${config.dbFile} to start a fresh demo.`,
      );
    }

    const patchbay = await started('patchbay', () => startServer(config, opts.log ? { log: opts.log } : {}));
    const acme = await started('acme', () =>
      startAcmeApp({
        port: ports.acme,
        patchbayUrl: publicUrl,
        configId: seed.configId,
        secret: secret.value,
        kid: secret.kid,
        callbackSecret,
      }),
    );

    let closing: Promise<void> | undefined;
    return {
      ports,
      urls: { patchbay: publicUrl, acme: acme.url, crmSignIn: crmProvider.issuer, crmApi: crmApi.url, mailerApi: mailer.url },
      config,
      seed,
      world,
      activity,
      patchbay,
      crmProvider,
      crmApi,
      mailer,
      acme,
      close: () => {
        closing ??= stopAll();
        return closing;
      },
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
