import type { EmbedConnector, EmbedConnectorAuth } from '@patchbay/shared';
import { useEffect, useRef, useState } from 'preact/hooks';
import { type ConnectAttempt, openPopup, startConnect } from '../../lib/connect.ts';
import { usePortal } from '../context.ts';
import { connectErrorKey } from '../errorSentences.ts';
import { CredentialsForm } from './CredentialsForm.tsx';
import { useErrorText, useReportError } from './Feedback.tsx';

interface Props {
  connector: EmbedConnector;
  /** Reconnect this auth (it keeps its id) instead of connecting a new one. */
  reconnect?: EmbedConnectorAuth;
  /** Label of the button that starts it: "Connect new account" or "Reconnect". */
  label: string;
  /** Called once the account is connected (the id of the new or reconnected auth; the saved auth when a form made it). */
  onConnected(connectorAuthId: string, auth?: EmbedConnectorAuth): void;
  /** Extra accessible description for the start button (e.g. the auth's name). */
  describedBy?: string;
}

/** "Connect new account" / "Reconnect": the OAuth popup (docs/connecting.md) or the credentials form of a basic/api_key connector. */
export function ConnectAccount({ connector, reconnect, label, onConnected, describedBy }: Props) {
  const { t, api, consentRequired } = usePortal();
  const errorText = useErrorText();
  const report = useReportError();
  const [formOpen, setFormOpen] = useState(false);
  const [waiting, setWaiting] = useState(false);
  const [blockedUrl, setBlockedUrl] = useState<string>();
  const [error, setError] = useState<string>();
  const attempt = useRef<ConnectAttempt | undefined>(undefined);
  const isOAuth = connector.authType === 'oauth2' || connector.authType === 'oauth1';

  useEffect(() => () => attempt.current?.cancel(), []);

  const start = async () => {
    setError(undefined);
    if (!isOAuth) {
      setFormOpen(true);
      return;
    }
    attempt.current?.cancel();
    // The popup opens in the click itself, before any await, or the browser blocks it.
    const popup = openPopup();
    setWaiting(true);
    setBlockedUrl(undefined);
    try {
      const body = reconnect ? { connectorId: connector.id, connectorAuthId: reconnect.id } : { connectorId: connector.id };
      const running = await startConnect(api, popup, body);
      attempt.current = running;
      setBlockedUrl(running.blockedUrl);
      const outcome = await running.result;
      if (outcome.ok) onConnected(outcome.connectorAuthId);
      else if (outcome.code === 'consent_required') consentRequired();
      else {
        setError(t(connectErrorKey(outcome.code)));
        if (outcome.code !== 'closed') report({ code: outcome.code, message: 'The account could not be connected.' });
      }
    } catch (e) {
      setError(errorText(e));
      report(e);
    } finally {
      setWaiting(false);
      setBlockedUrl(undefined);
    }
  };

  if (formOpen) {
    return (
      <CredentialsForm
        connector={connector}
        {...(reconnect ? { reconnect } : {})}
        onCancel={() => setFormOpen(false)}
        onSaved={(auth) => {
          setFormOpen(false);
          onConnected(auth.id, auth);
        }}
      />
    );
  }
  return (
    <div class="pb-connect">
      <button type="button" class="pb-btn" onClick={start} disabled={waiting && !blockedUrl} aria-describedby={describedBy}>
        {label}
      </button>
      {waiting && (
        <p class="pb-muted" role="status">
          {t('connecting')}
        </p>
      )}
      {blockedUrl && (
        <p>
          {t('popupBlocked')}{' '}
          <a href={blockedUrl} target="_blank" rel="noopener">
            {t('openInNewWindow')}
          </a>
        </p>
      )}
      {error && (
        <p class="pb-alert" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
