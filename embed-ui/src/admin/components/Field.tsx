import type { ComponentChildren } from 'preact';
import { useId } from 'preact/hooks';

/** A field's label; a required field's asterisk sits beside it (hidden from screen readers, which hear "required"). */
function Label({ id, text, required }: { id: string; text: string; required?: boolean | undefined }) {
  return (
    <div class="pb-label-row">
      <label for={id}>{text}</label>
      {required && (
        <span class="pb-req" aria-hidden="true">
          *
        </span>
      )}
    </div>
  );
}

interface Common {
  label: string;
  hint?: string | undefined;
  error?: string | undefined;
  required?: boolean;
}

function Described({ id, hint, error }: { id: string; hint?: string | undefined; error?: string | undefined }) {
  return (
    <>
      {hint && (
        <span id={`${id}-hint`} class="pb-hint">
          {hint}
        </span>
      )}
      {error && (
        <span id={`${id}-error`} class="pb-field-error">
          {error}
        </span>
      )}
    </>
  );
}

const describedBy = (id: string, hint?: string, error?: string) =>
  [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;

/** A labelled text input with its hint and inline error. */
export function TextField(
  props: Common & {
    value: string;
    onInput(value: string): void;
    type?: 'text' | 'email' | 'password' | 'url' | 'number' | 'search' | 'date' | 'datetime-local';
    autocomplete?: string;
    placeholder?: string;
    mono?: boolean;
    readOnly?: boolean;
    name?: string;
  },
) {
  const id = useId();
  return (
    <div class="pb-field">
      <Label id={id} text={props.label} required={props.required} />
      <input
        id={id}
        name={props.name}
        // Preact types each input type apart; the union of the ones offered here is fine at run time.
        type={(props.type ?? 'text') as 'text'}
        class={props.mono ? 'pb-mono' : undefined}
        value={props.value}
        onInput={(e) => props.onInput((e.currentTarget as HTMLInputElement).value)}
        required={props.required}
        readOnly={props.readOnly}
        autocomplete={props.autocomplete}
        placeholder={props.placeholder}
        aria-invalid={props.error ? 'true' : undefined}
        aria-describedby={describedBy(id, props.hint, props.error)}
      />
      <Described id={id} hint={props.hint} error={props.error} />
    </div>
  );
}

/** A labelled textarea. */
export function TextArea(props: Common & { value: string; onInput(value: string): void; rows?: number; mono?: boolean }) {
  const id = useId();
  return (
    <div class="pb-field">
      <Label id={id} text={props.label} required={props.required} />
      <textarea
        id={id}
        rows={props.rows ?? 4}
        class={props.mono ? 'pb-mono' : undefined}
        value={props.value}
        onInput={(e) => props.onInput((e.currentTarget as HTMLTextAreaElement).value)}
        required={props.required}
        aria-invalid={props.error ? 'true' : undefined}
        aria-describedby={describedBy(id, props.hint, props.error)}
      />
      <Described id={id} hint={props.hint} error={props.error} />
    </div>
  );
}

/** A labelled select. */
export function SelectField(
  props: Common & { value: string; onChange(value: string): void; options: readonly { value: string; label: string }[] },
) {
  const id = useId();
  return (
    <div class="pb-field">
      <Label id={id} text={props.label} required={props.required} />
      <select
        id={id}
        value={props.value}
        onChange={(e) => props.onChange((e.currentTarget as HTMLSelectElement).value)}
        required={props.required}
        aria-invalid={props.error ? 'true' : undefined}
        aria-describedby={describedBy(id, props.hint, props.error)}
      >
        {props.options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
      <Described id={id} hint={props.hint} error={props.error} />
    </div>
  );
}

/** A labelled checkbox. */
export function CheckboxField(props: {
  label: string;
  checked: boolean;
  onChange(checked: boolean): void;
  hint?: string;
  disabled?: boolean;
}) {
  const id = useId();
  return (
    <div class="pb-check">
      <input
        id={id}
        type="checkbox"
        checked={props.checked}
        disabled={props.disabled}
        onChange={(e) => props.onChange((e.currentTarget as HTMLInputElement).checked)}
        aria-describedby={props.hint ? `${id}-hint` : undefined}
      />
      <label for={id}>{props.label}</label>
      {props.hint && (
        <span id={`${id}-hint`} class="pb-hint">
          {props.hint}
        </span>
      )}
    </div>
  );
}

/** A group of radio buttons in a fieldset. */
export function RadioGroup(props: {
  legend: string;
  name: string;
  value: string;
  onChange(value: string): void;
  options: readonly { value: string; label: string; hint?: string }[];
  disabled?: boolean;
}) {
  return (
    <fieldset class="pb-fieldset" disabled={props.disabled}>
      <legend>{props.legend}</legend>
      {props.options.map((o) => (
        <label key={o.value} class="pb-radio">
          <input
            type="radio"
            name={props.name}
            value={o.value}
            checked={props.value === o.value}
            onChange={() => props.onChange(o.value)}
          />
          <span>
            {o.label}
            {o.hint && <span class="pb-hint pb-block">{o.hint}</span>}
          </span>
        </label>
      ))}
    </fieldset>
  );
}

/** A form section with a heading. */
export function Section({
  title,
  id,
  children,
  actions,
}: {
  title: string;
  id?: string;
  children: ComponentChildren;
  actions?: ComponentChildren;
}) {
  return (
    <section class="pb-section" id={id} aria-labelledby={id ? `${id}-h` : undefined}>
      <div class="pb-section-head">
        <h2 id={id ? `${id}-h` : undefined}>{title}</h2>
        {actions && <div class="pb-actions">{actions}</div>}
      </div>
      {children}
    </section>
  );
}
