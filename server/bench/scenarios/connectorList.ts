import { expectStatus, type Scenario, ScenarioSetupError } from './scenario.ts';

const COUNT = 20;

/** An authenticated list call: API token lookup, scope check, a page of 20 rows, response shaping. */
export const connectorList: Scenario = {
  name: 'connector-list',
  description: `GET /api/v1/connectors?limit=${COUNT} with an API token (${COUNT} rows)`,
  async prepare({ patchbay }) {
    // Seeded through the public API, so the rows are exactly what the list serializes in production.
    for (let i = 0; i < COUNT; i++) {
      const res = await patchbay.request('POST', '/api/v1/connectors', {
        token: patchbay.apiToken,
        body: {
          id: `bench-${String(i).padStart(2, '0')}`,
          name: `Bench connector ${i}`,
          authType: 'api_key',
          baseUrl: 'https://api.bench.example',
          apiKey: { in: 'header', name: 'X-Api-Key' },
        },
      });
      expectStatus('POST /api/v1/connectors', res, 201, patchbay);
    }
    const path = `/api/v1/connectors?limit=${COUNT}`;
    const check = await patchbay.request('GET', path, { token: patchbay.apiToken });
    expectStatus(`GET ${path}`, check, 200, patchbay);
    if (check.body?.items?.length !== COUNT) {
      throw new ScenarioSetupError(`GET ${path} answered ${check.body?.items?.length} items, expected ${COUNT}`);
    }
    return { request: { url: patchbay.url + path, headers: { authorization: `Bearer ${patchbay.apiToken}` } } };
  },
};
