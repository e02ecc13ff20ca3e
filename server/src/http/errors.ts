import type { ErrorRequestHandler, Request, RequestHandler } from 'express';
import { AppError, RateLimitedError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { loggedPath } from './requestContext.ts';

/** Sends the error envelope. */
export function sendError(res: Parameters<RequestHandler>[1], error: AppError): void {
  if (res.headersSent) return;
  const requestId = res.locals.requestId as string | undefined;
  if (error instanceof RateLimitedError) res.setHeader('Retry-After', String(Math.max(1, Math.ceil(error.retryAfterSeconds))));
  res.status(error.status).json({
    error: {
      code: error.code,
      message: error.message,
      ...(requestId ? { requestId } : {}),
      ...(error.details === undefined ? {} : { details: error.details }),
    },
  });
}

/**
 * Whether `err` is the request stream's own error for a client that went away before its body was
 * complete (Node destroys the request with `ECONNRESET` "aborted"; a stream read after that ends
 * in a premature close): nothing to answer, nothing broken.
 */
function isClientAbort(err: unknown, req: Request): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return (code === 'ECONNRESET' || code === 'ERR_STREAM_PREMATURE_CLOSE') && req.destroyed && !req.complete;
}

interface BodyParserError {
  type?: string;
  status?: number;
}

/** The one error middleware: known errors keep their code; anything else is `server_error` without internals. */
export function errorMiddleware(log: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    if (err instanceof AppError) return sendError(res, err);
    // requestContext logs the request as aborted (info) when its connection closes unanswered.
    if (isClientAbort(err, req)) return;
    const parserError = err as BodyParserError;
    if (parserError?.type === 'entity.too.large') return sendError(res, new AppError('body_too_large', 'The request body is too large'));
    if (parserError?.type === 'entity.parse.failed')
      return sendError(res, new AppError('bad_request', 'The request body is not valid JSON'));
    if (parserError?.type === 'encoding.unsupported' || parserError?.type === 'charset.unsupported') {
      return sendError(res, new AppError('unsupported_media_type', 'Unsupported content encoding or charset'));
    }
    if (typeof parserError?.status === 'number' && parserError.status >= 400 && parserError.status < 500) {
      return sendError(res, new AppError('bad_request', 'The request could not be read'));
    }
    const reqLog = (res.locals.log as Logger | undefined) ?? log;
    reqLog.error('unhandled error', { err, method: req.method, path: loggedPath(req.path) });
    sendError(res, new AppError('server_error', 'Something went wrong on our side'));
  };
}

/** Answers `404 not_found` for any route that does not exist. */
export const notFoundHandler: RequestHandler = (req, res) => {
  sendError(res, new AppError('not_found', `No route for ${req.method} ${req.path}`));
};
