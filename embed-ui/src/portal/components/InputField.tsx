import type { FlowInput } from '../../lib/wizard.ts';
import { usePortal } from '../context.ts';
import { lazy } from '../lazy.ts';

const useRemoteSelect = lazy(() => import('./RemoteSelect.tsx'));

interface Props {
  input: FlowInput;
  value: string | boolean;
  /** A client or server message for this field. */
  error: string | undefined;
  /** A password input that already holds a saved value (editing). */
  secretSet: boolean;
  onChange(value: string | boolean): void;
  /** The flow and the connections chosen per slot, for a select with remote options. */
  flowId?: string;
  bindings?: Readonly<Record<string, string>>;
}

/**
 * One input of a flow's form: text, number, select (static options, or remote options searched
 * through the chosen connection: {@link RemoteSelect}, loaded on demand; a plain text box until it
 * is in), switch, date or password; labelled, with help and error text tied to it by
 * `aria-describedby`.
 */
export function InputField({ input, value, error, secretSet, onChange, flowId, bindings }: Props) {
  const { t } = usePortal();
  const remote = input.type === 'select' && !input.options && input.remoteOptions && flowId ? input.remoteOptions : undefined;
  const remoteSelect = useRemoteSelect(remote !== undefined);
  const id = `in-${input.key}`;
  const helpId = `${id}-help`;
  const errId = `${id}-err`;
  const hints: string[] = [];
  if (input.help) hints.push(input.help);
  if (input.type === 'password' && secretSet) hints.push(t('passwordKept'));
  if (input.type === 'select' && !input.options && !remote) hints.push(t('remoteOptionsFallback'));
  const describedBy = [hints.length ? helpId : '', error ? errId : ''].filter(Boolean).join(' ') || undefined;
  const text = typeof value === 'string' ? value : '';
  const onInput = (e: Event) => onChange((e.target as HTMLInputElement).value);
  const common = {
    id,
    'aria-invalid': Boolean(error),
    'aria-describedby': describedBy,
    required: input.required && !(input.type === 'password' && secretSet),
  };

  let control: preact.JSX.Element;
  if (input.type === 'switch') {
    control = (
      <input
        {...common}
        type="checkbox"
        role="switch"
        aria-checked={value === true}
        class="pb-switch"
        checked={value === true}
        onChange={(e) => onChange((e.target as HTMLInputElement).checked)}
      />
    );
  } else if (remote && remoteSelect && flowId) {
    control = (
      <remoteSelect.RemoteSelect
        id={id}
        flowId={flowId}
        inputKey={input.key}
        connectorAuthId={bindings?.[remote.slot]}
        value={text}
        required={common.required}
        invalid={Boolean(error)}
        describedBy={describedBy}
        onChange={onChange}
      />
    );
  } else if (input.type === 'select' && input.options) {
    control = (
      <select {...common} value={text} onChange={onInput}>
        <option value="">{t('selectPlaceholder')}</option>
        {input.options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    );
  } else {
    const type = ['number', 'date', 'password', 'email', 'url'].includes(input.type) ? input.type : 'text';
    control = (
      <input
        {...common}
        type={type as 'text'}
        value={text}
        onInput={onInput}
        autoComplete={input.type === 'password' ? 'new-password' : input.type === 'email' ? 'email' : 'off'}
        {...(input.type === 'email' ? { inputMode: 'email' as const } : {})}
        {...(input.type === 'url' ? { inputMode: 'url' as const, placeholder: 'https://' } : {})}
        {...(input.type === 'number' && input.min !== undefined ? { min: input.min } : {})}
        {...(input.type === 'number' && input.max !== undefined ? { max: input.max } : {})}
        {...(input.type === 'number' ? { inputMode: 'decimal' as const, step: 'any' } : {})}
      />
    );
  }

  return (
    <div class={`pb-field${input.type === 'switch' ? ' pb-field-switch' : ''}`}>
      <div class="pb-label-row">
        <label for={id}>{input.label}</label>
        {input.required && (
          <span class="pb-req" aria-hidden="true">
            *
          </span>
        )}
      </div>
      {control}
      {hints.length > 0 && (
        <p class="pb-hint" id={helpId}>
          {hints.join(' ')}
        </p>
      )}
      {error && (
        <p class="pb-field-error" id={errId}>
          {error}
        </p>
      )}
    </div>
  );
}
