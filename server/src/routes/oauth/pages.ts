import express, { type Router } from 'express';
import type { AppContext } from '../../context.ts';

/** The OAuth popup pages: `/oauth/start` and `/oauth/callback/{connectorId}` (filled in by its owner). */
export function oauthPagesRouter(_ctx: AppContext): Router {
  return express.Router();
}
