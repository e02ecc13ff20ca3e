/**
 * Rate-limit counters shared by every process on the database: one row per (limit, client key)
 * with the hits of its current fixed window and when that window ends. Expired rows are purged
 * with the other expired state.
 */
export const up = /* sql */ `
CREATE TABLE rate_limit_hits (
  key TEXT PRIMARY KEY,
  hits INTEGER NOT NULL,
  reset_at TEXT NOT NULL
);
CREATE INDEX rate_limit_hits_reset ON rate_limit_hits (reset_at);
`;
