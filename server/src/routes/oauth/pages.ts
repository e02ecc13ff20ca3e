import express, { type Request, type Response, type Router } from 'express';
import { readCookie } from '../../auth/adminSession.ts';
import type { AppContext } from '../../context.ts';
import { oauthPageHeaders } from '../../http/securityHeaders.ts';
import type { Logger } from '../../log.ts';
import { bindingCookieName, bindingValue, serializeBindingCookie } from '../../oauth/browserBinding.ts';
import { completeConnect } from '../../oauth/completeConnect.ts';
import { renderConnectPage } from '../../oauth/connectPage.ts';
import { type OAuthPageOutcome, startConnect } from '../../oauth/startConnect.ts';

/**
 * The OAuth popup pages (docs/connecting.md): `GET /oauth/start?ticket=…` redirects to the
 * provider; `GET /oauth/callback/{connectorId}` finishes the flow and answers a page that reports
 * the result to the iframe. Only `ticket` (start), the provider's own callback parameters and the
 * browser-binding cookie (oauth/browserBinding.ts) are read.
 */
export function oauthPagesRouter(ctx: AppContext): Router {
  const router = express.Router();
  const targetOrigin = new URL(ctx.config.publicUrl).origin;
  router.use(oauthPageHeaders(ctx.config.publicUrl.startsWith('https://')));

  const cookieName = bindingCookieName(ctx.config);
  const send = (res: Response, outcome: OAuthPageOutcome) => {
    if (outcome.cookie) res.setHeader('Set-Cookie', serializeBindingCookie(ctx.config, outcome.cookie));
    if (outcome.kind === 'redirect') {
      res.redirect(302, outcome.location);
      return;
    }
    res
      .status(outcome.status)
      .type('html')
      .send(renderConnectPage(outcome.page, { nonce: res.locals.cspNonce as string, targetOrigin }));
  };
  const context = (req: Request, res: Response) => ({
    requestId: res.locals.requestId as string,
    log: res.locals.log as Logger,
    browserCookie: bindingValue(readCookie(req.headers.cookie, cookieName)),
  });

  router.get('/start', async (req: Request, res: Response, next) => {
    try {
      send(res, await startConnect(ctx, req.query.ticket, context(req, res)));
    } catch (err) {
      next(err);
    }
  });
  router.get('/callback/:connectorId', async (req: Request, res: Response, next) => {
    try {
      send(res, await completeConnect(ctx, String(req.params.connectorId), req.query, context(req, res)));
    } catch (err) {
      next(err);
    }
  });
  return router;
}
