import { z } from 'zod';
import { prefixedIdPattern } from './protocol/ids.ts';
import { LANGUAGES, THEME_MODES } from './protocol/portal.ts';

/** Non-secret options the SDK puts in the iframe URL's query string. */
export const portalUrlOptionsSchema = z.object({
  lang: z.enum(LANGUAGES).optional(),
  theme: z.enum(THEME_MODES).optional(),
  flowId: z.string().regex(prefixedIdPattern('flow')).optional(),
});
/** Options in the iframe URL. */
export type PortalUrlOptions = z.infer<typeof portalUrlOptionsSchema>;
