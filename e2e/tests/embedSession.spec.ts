import { expect, test } from '../fixtures/test.ts';

test('POST /embed/api/session from the browser with a garbage token answers 401 with the error envelope', async ({ page, patchbay }) => {
  // The iframe app lives on Patchbay's origin, so its API calls are same-origin. Until that app exists, a blank
  // document is served on Patchbay's origin by the browser itself (the API's own answers carry
  // `default-src 'none'`, which forbids a page built on them to fetch anything). Only this URL is intercepted.
  const blank = `${patchbay.url}/e2e-blank`;
  await page.route(blank, (route) => route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>blank</title>' }));
  await page.goto(blank);
  const answer = await page.evaluate(async () => {
    const res = await fetch('/embed/api/session', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: 'garbage' }),
    });
    return {
      status: res.status,
      contentType: res.headers.get('content-type'),
      cacheControl: res.headers.get('cache-control'),
      requestId: res.headers.get('x-request-id'),
      body: await res.json(),
    };
  });
  expect(answer).toEqual({
    status: 401,
    contentType: 'application/json; charset=utf-8',
    cacheControl: 'no-store',
    requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
    body: {
      error: {
        code: 'token_invalid',
        message: 'The embed token is not a signed JWT (header.payload.signature)',
        requestId: answer.requestId,
      },
    },
  });
  // Nothing about the failed exchange is kept in the browser.
  expect(await page.context().cookies()).toEqual([]);
});
