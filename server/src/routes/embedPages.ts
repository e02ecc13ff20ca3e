import express, { type Router } from 'express';
import type { AppContext } from '../context.ts';

/**
 * The iframe page `/embed/{configId}` (per-configuration `frame-ancestors`), its static assets,
 * and the SDK as one script at `/sdk/v1/patchbay.js` (filled in by its owner).
 */
export function embedPagesRouter(_ctx: AppContext): Router {
  return express.Router();
}
