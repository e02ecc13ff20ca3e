import type { Scenario } from './scenario.ts';

/** The baseline: Express 5 with one JSON route and nothing else. */
export const bareExpress: Scenario = {
  name: 'bare-express',
  description: 'GET /bare on a bare Express 5 app (baseline)',
  async prepare({ bare }) {
    return { request: { url: `${bare.url}/bare` } };
  },
};
