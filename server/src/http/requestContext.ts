import crypto from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from '../log.ts';

const INCOMING_ID = /^[A-Za-z0-9._-]{8,64}$/;

/**
 * The path as logged: the secret of an inbound webhook URL (`/hooks/{token}`) never reaches a log line.
 */
export function loggedPath(path: string): string {
  return path.replace(/^\/hooks\/[^/]*/, '/hooks/{token}');
}

/**
 * Gives every request an id (a sane incoming `X-Request-Id` is kept), a child logger, and one
 * access-log line: `request` with its status, or `request aborted` (info) when the connection closed
 * before the answer was complete (a client that gave up mid-upload or mid-download). The line
 * carries the path only (a webhook token left out): query strings may hold codes or keys.
 */
export function requestContext(log: Logger): RequestHandler {
  return (req, res, next) => {
    const incoming = req.get('x-request-id');
    const requestId = incoming && INCOMING_ID.test(incoming) ? incoming : crypto.randomUUID();
    const reqLog = log.child({ requestId });
    res.locals.requestId = requestId;
    res.locals.log = reqLog;
    res.setHeader('X-Request-Id', requestId);
    const started = process.hrtime.bigint();
    const elapsed = () => Math.round(Number(process.hrtime.bigint() - started) / 1e5) / 10;
    res.on('finish', () => {
      reqLog.info('request', { method: req.method, path: loggedPath(req.path), status: res.statusCode, ms: elapsed() });
    });
    res.on('close', () => {
      if (!res.writableFinished) reqLog.info('request aborted', { method: req.method, path: loggedPath(req.path), ms: elapsed() });
    });
    next();
  };
}
