import { callbackDelivery } from '../jobs/callbackDelivery.ts';
import { consoleIntegrations } from '../jobs/consoleIntegrations.ts';
import type { JobBench } from '../jobs/job.ts';
import { runThroughput } from '../jobs/runThroughput.ts';
import { scheduleLag } from '../jobs/scheduleLag.ts';
import { bareExpress } from './bareExpress.ts';
import { connectorList } from './connectorList.ts';
import { consoleFirstView } from './consoleBudget.ts';
import { type BudgetCheck, embedFirstView, embedReady, sdkSize } from './embedBudgets.ts';
import { proxyDirect, proxyThrough } from './proxy.ts';
import type { Scenario } from './scenario.ts';
import { sessionExchange } from './sessionExchange.ts';

/** The baseline every other scenario is compared with. */
export const BASELINE = bareExpress;

/** Every scenario in report order; later issues append here (proxy, SDK size, …). */
export const SCENARIOS: readonly Scenario[] = [bareExpress, sessionExchange, connectorList, proxyDirect, proxyThrough];

/** Budget checks run after the load scenarios (sizes and browser timings of the embed, the console's first view). */
export const BUDGET_CHECKS: readonly BudgetCheck[] = [sdkSize, embedFirstView, consoleFirstView, embedReady];

/** Job benches, after the load scenarios: each on a fresh database per driver. */
export const JOB_BENCHES: readonly JobBench[] = [runThroughput, scheduleLag, callbackDelivery, consoleIntegrations];
