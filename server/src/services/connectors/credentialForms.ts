import type { ConnectorRow } from '../../db/repos/connectors.ts';
import { AppError, type FieldIssue, invalidFields } from '../../errors.ts';
import type { Credentials } from './credentials.ts';
import { connectorDefinition } from './definition.ts';

type Field = ReturnType<typeof connectorDefinition>['fields'][number];

const DEFAULT_FIELDS: Record<'basic' | 'api_key', readonly Field[]> = {
  basic: [
    { key: 'username', label: 'Username', type: 'text', required: true },
    { key: 'password', label: 'Password', type: 'password', required: true },
  ],
  api_key: [{ key: 'apiKey', label: 'API key', type: 'password', required: true }],
};

/** The credentials form of a basic/api_key connector (the conventional fields when none are defined); empty for the others. */
export function formFields(connector: ConnectorRow): readonly Field[] {
  if (connector.auth_type !== 'basic' && connector.auth_type !== 'api_key') return [];
  const fields = connectorDefinition(connector).fields;
  return fields.length > 0 ? fields : DEFAULT_FIELDS[connector.auth_type];
}

/** The field holding `role`: the one with the conventional key, else the first of the given type, else the first. */
function pick(fields: readonly Field[], key: string, type: Field['type']): Field | undefined {
  return fields.find((f) => f.key === key) ?? fields.find((f) => f.type === type) ?? fields[0];
}

/**
 * Turns the values of a basic/api_key credentials form into credentials, checked against the
 * connector's fields (unknown keys and missing required values are `400 validation_failed` under
 * `body.values.…`). OAuth connectors are `400 bad_request`: they connect through connect tickets.
 */
export function credentialsFromForm(connector: ConnectorRow, values: Readonly<Record<string, string>>): Credentials {
  if (connector.auth_type !== 'basic' && connector.auth_type !== 'api_key') {
    const how =
      connector.auth_type === 'none'
        ? 'needs no credentials'
        : 'connects through the provider: ask for a connect ticket (POST /embed/api/connect-tickets) and open it in a popup';
    throw new AppError('bad_request', `Connector ${JSON.stringify(connector.id)} (${connector.auth_type}) ${how}`);
  }
  const fields = formFields(connector);
  const known = new Set(fields.map((f) => f.key));
  const issues: FieldIssue[] = [];
  for (const key of Object.keys(values)) {
    if (!known.has(key)) issues.push({ path: `body.values.${key}`, message: 'is not a field of this connector' });
  }
  for (const f of fields) {
    if (f.required && (values[f.key] ?? '') === '') issues.push({ path: `body.values.${f.key}`, message: `required (${f.label})` });
  }
  if (issues.length > 0) throw invalidFields(issues);

  const rest = (used: readonly (Field | undefined)[]) => {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(values)) if (!used.some((f) => f?.key === k)) out[k] = v;
    return out;
  };
  if (connector.auth_type === 'basic') {
    const user = pick(fields, 'username', 'text');
    const pass = fields.find((f) => f.key === 'password') ?? fields.find((f) => f.type === 'password' && f !== user);
    return {
      type: 'basic',
      username: user ? (values[user.key] ?? '') : '',
      password: pass ? (values[pass.key] ?? '') : '',
      fields: rest([user, pass]),
    };
  }
  const keyField = pick(fields, 'apiKey', 'password');
  const apiKey = keyField ? (values[keyField.key] ?? '') : '';
  if (apiKey === '') throw invalidFields([{ path: `body.values.${keyField?.key ?? 'apiKey'}`, message: 'required (the API key)' }]);
  return { type: 'api_key', apiKey, fields: rest([keyField]) };
}
