import { useEffect, useRef, useState } from 'preact/hooks';
import type { Issue } from '../../lib/api.ts';
import { useConsole } from '../context.ts';
import type { DefinitionProblem } from '../flowValidation.ts';
import { issueSegments, locateJsonPath, syntaxErrorOffset } from '../jsonPath.ts';

/** A problem to list: its path as text, its message, and where to put the cursor. */
interface Problem {
  where: string;
  message: string;
  span: { start: number; end: number } | undefined;
}

/** `["steps", 0, "slot"]` as `steps[0].slot`; the root as `(definition)`. */
export function pathText(path: readonly (string | number)[], root: string): string {
  if (path.length === 0) return root;
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

let validator: Promise<typeof import('../flowValidation.ts')> | undefined;

/**
 * The JSON editor of a flow definition: the text, and every problem at its path — JSON syntax,
 * the shared definition schema (checked as you type, loaded on demand), and what the server
 * refused on the last save (`serverIssues`, paths below `issuePrefix`). "Show" selects the place in
 * the text.
 */
export function FlowEditor({
  id,
  label,
  value,
  onInput,
  serverIssues,
  issuePrefix,
  readOnly,
}: {
  id: string;
  label: string;
  value: string;
  onInput(text: string): void;
  serverIssues: readonly Issue[];
  issuePrefix: string;
  readOnly?: boolean;
}) {
  const { t } = useConsole();
  const ref = useRef<HTMLTextAreaElement>(null);
  const [schemaProblems, setSchemaProblems] = useState<DefinitionProblem[]>([]);
  const [syntax, setSyntax] = useState<{ message: string; offset: number | undefined }>();

  useEffect(() => {
    let cancelled = false;
    const timer = setTimeout(() => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(value);
      } catch (e) {
        setSyntax({ message: (e as Error).message, offset: syntaxErrorOffset(e) });
        setSchemaProblems([]);
        return;
      }
      setSyntax(undefined);
      validator ??= import('../flowValidation.ts');
      validator.then(
        (m) => {
          if (!cancelled) setSchemaProblems(m.validateDefinition(parsed));
        },
        () => {
          // The check is a convenience; the server validates on save either way.
          validator = undefined;
        },
      );
    }, 300);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [value]);

  const root = t('definitionRoot');
  const problems: Problem[] = syntax
    ? [
        {
          where: t('jsonSyntax'),
          message: syntax.message,
          span: syntax.offset === undefined ? undefined : { start: syntax.offset, end: syntax.offset + 1 },
        },
      ]
    : [
        ...schemaProblems.map((p) => ({ where: pathText(p.path, root), message: p.message, span: locateJsonPath(value, p.path) })),
        ...serverIssues.map((i) => {
          const path = issueSegments(i.path, issuePrefix);
          return { where: pathText(path, root), message: i.message, span: locateJsonPath(value, path) };
        }),
      ];
  const show = (span: Problem['span']) => {
    const el = ref.current;
    if (!el || !span) return;
    el.focus();
    el.setSelectionRange(span.start, Math.min(span.end, span.start + 400));
  };
  return (
    <div class="pb-field pb-editor">
      <label for={id}>{label}</label>
      <textarea
        id={id}
        ref={ref}
        class="pb-mono pb-code"
        rows={22}
        spellcheck={false}
        readOnly={readOnly}
        value={value}
        onInput={(e) => onInput((e.currentTarget as HTMLTextAreaElement).value)}
        aria-invalid={problems.length > 0 ? 'true' : undefined}
        aria-describedby={`${id}-problems`}
      />
      <div id={`${id}-problems`} class="pb-problems" aria-live="polite">
        {problems.length === 0 ? (
          <p class="pb-ok">{t('definitionValid')}</p>
        ) : (
          <>
            <p class="pb-field-error">{t('definitionProblems', { n: problems.length })}</p>
            <ul class="pb-issues">
              {problems.map((p, i) => (
                <li key={`${p.where}-${i}`}>
                  <code>{p.where}</code>: {p.message}{' '}
                  {p.span && (
                    <button
                      type="button"
                      class="pb-btn pb-btn-small"
                      onClick={() => show(p.span)}
                      aria-label={t('showInEditorAt', { where: p.where })}
                    >
                      {t('showInEditor')}
                    </button>
                  )}
                </li>
              ))}
            </ul>
          </>
        )}
      </div>
    </div>
  );
}

/** The definition part of a flow (what is versioned), as editable JSON text. */
export function definitionText(definition: unknown): string {
  return JSON.stringify(definition ?? {}, null, 2);
}

/** A first definition for a new flow. */
export const NEW_DEFINITION = {
  slots: [{ key: 'crm', connectorId: 'crm', label: 'Your CRM' }],
  inputs: [],
  trigger: { type: 'manual' },
  steps: [{ id: 'me', type: 'http', slot: 'crm', method: 'GET', path: '/me' }],
};
