import type { RemoteOptionList } from '@patchbay/shared';
import { useEffect, useRef, useState } from 'preact/hooks';
import { usePortal } from '../context.ts';
import { apiErrorKey } from '../errorSentences.ts';
import { useReportError } from './Feedback.tsx';

/**
 * A select whose options come from the connected service (`remoteOptions`), as an ARIA 1.2
 * combobox with a list popup: typing searches (debounced, on the server), ArrowDown/ArrowUp move
 * through the options (`aria-activedescendant`), Enter picks, Escape closes; loading, empty and
 * error states are said in the popup's status line. Loaded on demand (its own chunk).
 */

type Option = RemoteOptionList['items'][number];

const DEBOUNCE_MS = 300;

interface Props {
  id: string;
  flowId: string;
  inputKey: string;
  /** The connection chosen for the options' slot (undefined when the vendor pre-filled it). */
  connectorAuthId: string | undefined;
  value: string;
  required: boolean;
  invalid: boolean;
  describedBy: string | undefined;
  onChange(value: string): void;
}

/** The combobox; see the module comment. */
export function RemoteSelect({ id, flowId, inputKey, connectorAuthId, value, required, invalid, describedBy, onChange }: Props) {
  const { t, api } = usePortal();
  const report = useReportError();
  const [text, setText] = useState(value);
  const [query, setQuery] = useState('');
  const [open, setOpen] = useState(false);
  const [items, setItems] = useState<Option[]>([]);
  const [state, setState] = useState<'idle' | 'loading' | 'ready' | 'error'>('idle');
  const [error, setError] = useState<unknown>();
  const [active, setActive] = useState(-1);
  const [attempt, setAttempt] = useState(0);
  const labelOf = useRef(new Map<string, string>());
  const listId = `${id}-list`;
  const rootRef = useRef<HTMLDivElement>(null);

  // Debounced load for the current search text; the latest answer wins.
  const seq = useRef(0);
  useEffect(() => {
    if (!open && state !== 'idle') return;
    const mine = ++seq.current;
    const timer = setTimeout(
      async () => {
        setState('loading');
        const params = new URLSearchParams();
        if (connectorAuthId) params.set('connectorAuthId', connectorAuthId);
        if (query) params.set('q', query);
        try {
          const page = await api.get<RemoteOptionList>(
            `/flows/${encodeURIComponent(flowId)}/inputs/${encodeURIComponent(inputKey)}/options?${params}`,
          );
          if (mine !== seq.current) return;
          for (const o of page.items) labelOf.current.set(o.value, o.label);
          setItems(page.items);
          setActive(page.items.length > 0 ? 0 : -1);
          setState('ready');
          // a saved value shows its label once it is known
          const known = labelOf.current.get(value);
          if (known !== undefined && text === value && !open) setText(known);
        } catch (e) {
          if (mine !== seq.current) return;
          setError(e);
          setState('error');
          report(e);
        }
      },
      state === 'idle' ? 0 : DEBOUNCE_MS,
    );
    return () => clearTimeout(timer);
  }, [query, open, connectorAuthId, attempt]);

  const pick = (o: Option) => {
    onChange(o.value);
    setText(o.label);
    setOpen(false);
  };
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      if (!open) {
        setOpen(true);
        return;
      }
      const step = e.key === 'ArrowDown' ? 1 : -1;
      setActive((i) => (items.length === 0 ? -1 : (i + step + items.length) % items.length));
    } else if (e.key === 'Enter' && open) {
      const o = items[active];
      if (o) {
        e.preventDefault();
        pick(o);
      }
    } else if (e.key === 'Escape' && open) {
      e.preventDefault();
      e.stopPropagation();
      setOpen(false);
      setText(labelOf.current.get(value) ?? value);
    }
  };
  const status =
    state === 'loading' ? t('optionsLoading') : state === 'error' ? t(apiErrorKey(error)) : items.length === 0 ? t('optionsNone') : '';

  return (
    // closes when focus leaves the box and its popup (Tab reaches the popup's Retry button without closing it)
    <div
      class="pb-combo"
      ref={rootRef}
      onFocusOut={(e) => {
        if (rootRef.current?.contains(e.relatedTarget as Node | null)) return;
        setOpen(false);
        setText(labelOf.current.get(value) ?? value);
      }}
    >
      <input
        id={id}
        type="text"
        role="combobox"
        autoComplete="off"
        aria-autocomplete="list"
        aria-expanded={open}
        aria-controls={listId}
        aria-activedescendant={open && active >= 0 ? `${listId}-${active}` : undefined}
        aria-invalid={invalid}
        aria-describedby={describedBy}
        required={required}
        placeholder={t('optionsSearch')}
        value={text}
        onInput={(e) => {
          const next = (e.target as HTMLInputElement).value;
          setText(next);
          setQuery(next);
          setOpen(true);
          if (next === '') onChange('');
        }}
        onFocus={() => setOpen(true)}
        onKeyDown={onKeyDown}
      />
      <div class="pb-combo-popup" hidden={!open}>
        {/* polite, so results and failures are heard without leaving the box */}
        <p class="pb-hint" role="status">
          {open ? status : ''}
        </p>
        {state === 'error' && (
          <button type="button" class="pb-btn pb-small" onClick={() => setAttempt((n) => n + 1)}>
            {t('retry')}
          </button>
        )}
        {/* the popup always holds the list the combobox controls; without options it is left empty of children */}
        <div id={listId} role="listbox" aria-label={t('optionsLabel')} class="pb-combo-list" hidden={items.length === 0}>
          {items.map((o, i) => (
            // biome-ignore lint/a11y/useFocusableInteractive: combobox pattern: focus stays in the text box, the active option is aria-activedescendant
            // biome-ignore lint/a11y/useKeyWithClickEvents: the keyboard works through the text box (ArrowDown/ArrowUp/Enter/Escape)
            <div
              key={o.value}
              id={`${listId}-${i}`}
              role="option"
              aria-selected={o.value === value}
              class={i === active ? 'pb-combo-option pb-combo-active' : 'pb-combo-option'}
              onMouseDown={(e) => e.preventDefault()}
              onClick={() => pick(o)}
            >
              {o.label}
            </div>
          ))}
        </div>
      </div>
    </div>
  );
}
