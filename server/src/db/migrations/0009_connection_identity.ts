/**
 * Connection identity (docs/domain.md, "Connector auth"): the remote account a connector auth is
 * connected as (its id at the service, matched to update rather than twin a connection, and a
 * label to show), and the name of the person who connected it as it was then. Plain nullable
 * columns, so the statements are the same on SQLite and PostgreSQL; older auths stay NULL (unknown).
 */
export const up = /* sql */ `
ALTER TABLE connector_auths ADD COLUMN remote_account_id TEXT;
ALTER TABLE connector_auths ADD COLUMN remote_account_label TEXT;
ALTER TABLE connector_auths ADD COLUMN created_by_name TEXT;
CREATE INDEX connector_auths_remote_account ON connector_auths (connector_id, remote_account_id);
`;
