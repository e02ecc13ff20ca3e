/** Listeners of {@link announce}: the app's polite live region. */
const listeners = new Set<(text: string) => void>();

/** Says `text` in the polite live region ("Saved", "Renamed", "Reconnected"): every action confirms itself. */
export function announce(text: string): void {
  for (const listener of listeners) listener(text);
}

/** Subscribes the live region; answers the unsubscribe function. */
export function onAnnounce(listener: (text: string) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
