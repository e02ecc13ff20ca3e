import type { EmbedConnectorAuth, EmbedFlow, EmbedIntegration } from '@patchbay/shared';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { Dialog } from '../../components/Dialog.tsx';
import { ApiError, fieldErrors } from '../../lib/api.ts';
import {
  bindingsPayload,
  canAdvance,
  type FormValues,
  initialValues,
  inputsPayload,
  type Slot,
  validateInputs,
  wizardSteps,
} from '../../lib/wizard.ts';
import { announce } from '../announce.ts';
import { ConnectAccount } from '../components/ConnectAccount.tsx';
import { ConnectorIcon, useErrorText } from '../components/Feedback.tsx';
import { InputField } from '../components/InputField.tsx';
import { usePortal } from '../context.ts';
import type { PortalData } from '../store.ts';

interface Props {
  flow: EmbedFlow;
  data: PortalData;
  /** Edit this integration (PATCH) instead of enabling the flow (POST). */
  integration?: EmbedIntegration;
  onClose(): void;
  /** Refreshes the portal's data (after a new connection or the final save). */
  reload(): Promise<void>;
}

/** The setup wizard: one step per slot to choose or connect an account, then the inputs form and "Enable". */
export function SetupWizard({ flow, data, integration, onClose, reload }: Props) {
  const { t, api, emit } = usePortal();
  const errorText = useErrorText();
  const steps = useMemo(() => wizardSteps(flow), [flow]);
  const [index, setIndex] = useState(0);
  const [bindings, setBindings] = useState<Record<string, string>>(() => preselect(flow, data, integration));
  const [values, setValues] = useState<FormValues>(() => initialValues(flow, integration));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [alert, setAlert] = useState<string>();
  const [busy, setBusy] = useState(false);
  const step = steps[index];
  const secrets = integration?.secretInputsSet ?? [];
  const titleId = `wiz-${flow.id}`;
  // "Next" and "Back" move focus to the new step's heading (not on opening: the dialog focuses itself).
  const moved = useRef(false);
  useEffect(() => {
    if (!moved.current) return;
    document.querySelector<HTMLElement>('.pb-wizard [data-step-heading]')?.focus();
  }, [index]);
  const go = (to: number) => {
    moved.current = true;
    setAlert(undefined);
    setIndex(to);
  };

  const connected = async (slot: Slot, connectorAuthId: string, auth?: EmbedConnectorAuth) => {
    setBindings((b) => ({ ...b, [slot.key]: connectorAuthId }));
    let name = auth?.name;
    if (!name) {
      try {
        const page = await api.get<{ items: EmbedConnectorAuth[] }>(
          `/connector-auths?connectorId=${encodeURIComponent(slot.connectorId)}&limit=200`,
        );
        name = page.items.find((a) => a.id === connectorAuthId)?.name;
      } catch {
        // the list reload below shows any problem
      }
    }
    emit('connectorAuth.created', { connectorAuthId, connectorId: slot.connectorId, name: name ?? '' });
    await reload();
  };

  const submit = async (event: Event) => {
    event.preventDefault();
    setAlert(undefined);
    const problems = validateInputs(flow.inputs, values, secrets);
    const messages: Record<string, string> = {};
    for (const [key, p] of Object.entries(problems)) messages[key] = t(p.key, p.vars);
    setErrors(messages);
    if (Object.keys(messages).length > 0) {
      setAlert(t('fixErrors'));
      focusFirstInvalid();
      return;
    }
    setBusy(true);
    try {
      const body = { bindings: bindingsPayload(flow, bindings), inputs: inputsPayload(flow.inputs, values) };
      if (integration) {
        const saved = await api.patch<EmbedIntegration>(`/integrations/${encodeURIComponent(integration.id)}`, body);
        emit('integration.updated', { integrationId: saved.id, flowId: saved.flowId });
      } else {
        const saved = await api.post<EmbedIntegration>('/integrations', { flowId: flow.id, ...body });
        emit('integration.enabled', { integrationId: saved.id, flowId: saved.flowId });
      }
      await reload();
      onClose();
      announce(t(integration ? 'saidSaved' : 'saidEnabled'));
    } catch (e) {
      if (e instanceof ApiError) {
        const byField = fieldErrors(e, 'body.inputs.');
        setErrors(byField);
        if (Object.keys(byField).length > 0) focusFirstInvalid();
      }
      setAlert(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog labelledBy={titleId} onClose={onClose} class="pb-wizard">
      <div class="pb-dialog-head">
        <div>
          <h2 id={titleId} tabIndex={-1}>
            {flow.name}
          </h2>
          <p class="pb-muted">{t('wizardStep', { n: index + 1, total: steps.length })}</p>
        </div>
        <button type="button" class="pb-btn pb-btn-ghost pb-close" onClick={onClose} aria-label={t('close')}>
          ×
        </button>
      </div>
      {step?.kind === 'slot' && (
        <SlotStep
          key={step.slot.key}
          slot={step.slot}
          data={data}
          selected={bindings[step.slot.key]}
          onSelect={(id) => {
            setBindings({ ...bindings, [step.slot.key]: id });
            // The "choose an account" error no longer describes the state.
            setAlert(undefined);
          }}
          onConnected={(id, auth) => connected(step.slot, id, auth)}
        />
      )}
      {step?.kind === 'inputs' && (
        <form id="pb-wizard-form" class="pb-form" onSubmit={submit} noValidate>
          <h3 tabIndex={-1} data-step-heading>
            {t('settings')}
          </h3>
          {flow.inputs.length === 0 && <p class="pb-muted">{t(integration ? 'noSettingsEdit' : 'noSettings')}</p>}
          {flow.inputs.map((input) => (
            <InputField
              key={input.key}
              input={input}
              value={values[input.key] ?? ''}
              error={errors[input.key]}
              secretSet={secrets.includes(input.key)}
              flowId={flow.id}
              bindings={bindings}
              onChange={(v) => {
                setValues({ ...values, [input.key]: v });
                if (errors[input.key]) setErrors({ ...errors, [input.key]: '' });
              }}
            />
          ))}
        </form>
      )}
      {alert && (
        <p class="pb-alert" role="alert">
          {alert}
        </p>
      )}
      <div class="pb-actions">
        {index > 0 && (
          <button type="button" class="pb-btn" onClick={() => go(index - 1)}>
            {t('back')}
          </button>
        )}
        {step?.kind === 'slot' ? (
          // Distinct keys: Preact must not reuse this button as the submit button mid-click.
          <button
            key="next"
            type="button"
            class="pb-btn pb-btn-primary"
            onClick={() => {
              if (canAdvance(step, bindings)) go(index + 1);
              else setAlert(t('pickAccount'));
            }}
          >
            {t('next')}
          </button>
        ) : (
          <button key="submit" type="submit" form="pb-wizard-form" class="pb-btn pb-btn-primary" disabled={busy}>
            {t(integration ? 'save' : 'enable')}
          </button>
        )}
      </div>
    </Dialog>
  );
}

/** The bindings to start with: the integration's, else the only usable account of a slot when there is exactly one. */
function preselect(flow: EmbedFlow, data: PortalData, integration: EmbedIntegration | undefined): Record<string, string> {
  const out: Record<string, string> = { ...(integration?.bindings ?? {}) };
  for (const step of wizardSteps(flow)) {
    if (step.kind !== 'slot' || out[step.slot.key]) continue;
    const usable = data.auths.filter((a) => a.connectorId === step.slot.connectorId && a.status === 'active');
    if (usable.length === 1 && usable[0]) out[step.slot.key] = usable[0].id;
  }
  return out;
}

function focusFirstInvalid(): void {
  setTimeout(() => document.querySelector<HTMLElement>('.pb-wizard [aria-invalid="true"]')?.focus(), 0);
}

interface SlotProps {
  slot: Slot;
  data: PortalData;
  selected: string | undefined;
  onSelect(id: string): void;
  onConnected(id: string, auth?: EmbedConnectorAuth): void;
}

/** One slot: a radio group of the usable accounts of its connector, and "Connect new account". */
function SlotStep({ slot, data, selected, onSelect, onConnected }: SlotProps) {
  const { t } = usePortal();
  const connector = data.connectors.find((c) => c.id === slot.connectorId);
  const name = connector?.name ?? slot.connectorId;
  const usable = data.auths.filter((a) => a.connectorId === slot.connectorId && (a.status === 'active' || a.id === selected));
  const legendId = `slot-${slot.key}`;
  return (
    <div class="pb-step">
      <div class="pb-row">
        <ConnectorIcon name={name} iconUrl={connector?.iconUrl} />
        <h3 id={legendId} tabIndex={-1} data-step-heading>
          {slot.label}
        </h3>
      </div>
      <p>{t('chooseAccount', { connector: name, label: slot.label })}</p>
      {usable.length > 0 ? (
        <div role="radiogroup" aria-labelledby={legendId} class="pb-choices">
          {usable.map((auth) => (
            <label key={auth.id} class="pb-choice">
              <input
                type="radio"
                name={`slot-${slot.key}`}
                value={auth.id}
                checked={selected === auth.id}
                onChange={() => onSelect(auth.id)}
              />
              <span>{auth.name}</span>
            </label>
          ))}
        </div>
      ) : (
        <p class="pb-muted">{t('noAccountsYet', { connector: name })}</p>
      )}
      {connector && <ConnectAccount connector={connector} label={t('connectNew')} onConnected={onConnected} />}
    </div>
  );
}
