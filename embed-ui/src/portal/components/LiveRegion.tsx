import { useEffect, useState } from 'preact/hooks';
import { onAnnounce } from '../announce.ts';

/** How long a confirmation stays visible. */
const SHOW_MS = 4000;

/** The polite live region every action confirms itself in; the same text twice is said twice. */
export function LiveRegion() {
  const [message, setMessage] = useState<{ text: string; n: number }>();
  useEffect(() => {
    let n = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const off = onAnnounce((text) => {
      n += 1;
      // Clear first so an identical message is announced again.
      setMessage(undefined);
      setTimeout(() => setMessage({ text, n }), 30);
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => setMessage(undefined), SHOW_MS);
    });
    return () => {
      off();
      if (timer) clearTimeout(timer);
    };
  }, []);
  return (
    <div class="pb-toast" role="status" aria-live="polite" aria-atomic="true">
      {message && <span key={message.n}>{message.text}</span>}
    </div>
  );
}
