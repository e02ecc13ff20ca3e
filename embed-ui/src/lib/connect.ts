import type { ConnectTicket, ConnectTicketStatus } from '@patchbay/shared';
import { type ConnectErrorCode, isConnectResultMessage } from '@patchbay/shared/protocol';
import type { Api } from './api.ts';

/** The end of a connect attempt. */
export type ConnectOutcome = { ok: true; connectorAuthId: string } | { ok: false; code: ConnectErrorCode | 'closed' | string };

/** A running connect attempt. */
export interface ConnectAttempt {
  /** Set when the browser blocked the popup: show it as an "Open in a new window" link. */
  blockedUrl: string | undefined;
  /** Resolves once, from the popup's message or the polled ticket status, whichever comes first. */
  result: Promise<ConnectOutcome>;
  /** Stops listening and polling (closing the wizard). */
  cancel(): void;
}

/** Polling interval for the ticket status. */
export const POLL_MS = 1500;
/** How often the popup is checked for having been closed. */
export const CLOSED_CHECK_MS = 400;

/** Opens the popup window synchronously; call this inside the click handler before any await. */
export function openPopup(win: Window = window): Window | null {
  try {
    return win.open('about:blank', 'patchbay-connect', 'popup,width=520,height=680');
  } catch {
    return null;
  }
}

/**
 * Runs the OAuth connect flow (docs/connecting.md) with a popup already opened by
 * {@link openPopup}: asks for a ticket, points the popup at it, then waits for the result by
 * `postMessage` (exact origin, same ticket) and by polling the ticket.
 */
export async function startConnect(
  api: Api,
  popup: Window | null,
  body: { connectorId: string; connectorAuthId?: string },
  win: Window = window,
): Promise<ConnectAttempt> {
  let ticket: ConnectTicket;
  try {
    ticket = await api.post<ConnectTicket>('/connect-tickets', body);
  } catch (error) {
    popup?.close();
    throw error;
  }
  if (popup && !popup.closed) popup.location.href = ticket.url;
  const blockedUrl = popup && !popup.closed ? undefined : ticket.url;

  let done = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let closedTimer: ReturnType<typeof setInterval> | undefined;
  let onMessage: (event: MessageEvent) => void = () => {};
  const stop = () => {
    done = true;
    if (timer) clearTimeout(timer);
    if (closedTimer) clearInterval(closedTimer);
    win.removeEventListener('message', onMessage);
  };
  const result = new Promise<ConnectOutcome>((resolve) => {
    const finish = (outcome: ConnectOutcome) => {
      if (done) return;
      stop();
      resolve(outcome);
    };
    onMessage = (event: MessageEvent) => {
      if (event.origin !== win.location.origin || !isConnectResultMessage(event.data)) return;
      const m = event.data;
      if (m.ticketId !== ticket.id) return;
      if (m.status === 'success' && m.connectorAuthId) finish({ ok: true, connectorAuthId: m.connectorAuthId });
      else finish({ ok: false, code: m.error ?? 'server_error' });
    };
    win.addEventListener('message', onMessage);
    const poll = async () => {
      if (done) return;
      try {
        const status = await api.get<ConnectTicketStatus>(`/connect-tickets/${encodeURIComponent(ticket.id)}`);
        if (status.status === 'success' && status.connectorAuthId) return finish({ ok: true, connectorAuthId: status.connectorAuthId });
        if (status.status === 'error') return finish({ ok: false, code: status.error ?? 'server_error' });
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (code === 'not_found') return finish({ ok: false, code: 'expired' });
      }
      if (!done) timer = setTimeout(poll, POLL_MS);
    };
    timer = setTimeout(poll, POLL_MS);
    // A popup closed before the result arrived: one last look at the ticket (the callback may
    // have finished just before the window went), then give the button back.
    if (popup && !blockedUrl) {
      closedTimer = setInterval(async () => {
        if (done || !popup.closed) return;
        clearInterval(closedTimer);
        closedTimer = undefined;
        try {
          const status = await api.get<ConnectTicketStatus>(`/connect-tickets/${encodeURIComponent(ticket.id)}`);
          if (status.status === 'success' && status.connectorAuthId) return finish({ ok: true, connectorAuthId: status.connectorAuthId });
          if (status.status === 'error') return finish({ ok: false, code: status.error ?? 'server_error' });
        } catch {
          // The ticket is gone or the network failed: either way the window is closed.
        }
        finish({ ok: false, code: 'closed' });
      }, CLOSED_CHECK_MS);
    }
  });
  return { blockedUrl, result, cancel: stop };
}
