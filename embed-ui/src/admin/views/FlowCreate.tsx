import { useState } from 'preact/hooks';
import { ApiError } from '../../lib/api.ts';
import { Empty, ErrorAlert } from '../components/Feedback.tsx';
import { TextArea, TextField } from '../components/Field.tsx';
import { Link } from '../components/Link.tsx';
import { PageHeader } from '../components/Page.tsx';
import { useConsole } from '../context.ts';
import { useAction } from '../hooks.ts';
import { isAdmin } from '../permissions.ts';
import { navigate, sectionPath } from '../router.ts';
import { bodyIssues } from './EmbedConfigCreate.tsx';
import { definitionText, FlowEditor, NEW_DEFINITION } from './FlowEditor.tsx';

const DEFINITION_KEYS = ['slots', 'inputs', 'trigger', 'steps', 'retry'];

/** A new flow: name, description, icon, and its first definition (version 1) in the JSON editor. */
export function FlowCreate() {
  const c = useConsole();
  const { t, api } = c;
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [icon, setIcon] = useState('');
  const [text, setText] = useState(() => definitionText(NEW_DEFINITION));
  const action = useAction();
  if (!isAdmin(c.me)) {
    return (
      <>
        <PageHeader title={t('newFlow')} />
        <Empty title={t('adminsOnly')} />
      </>
    );
  }
  const issues = bodyIssues(action.error, ['name', 'description', 'icon']);
  const definitionIssues = ((action.error as ApiError | undefined)?.issues ?? []).filter((i) =>
    DEFINITION_KEYS.includes(i.path.replace(/^body\./, '').split('.')[0] ?? ''),
  );
  const submit = async (e: Event) => {
    e.preventDefault();
    let id = '';
    const ok = await action.run(async () => {
      let definition: object;
      try {
        definition = JSON.parse(text) as object;
      } catch {
        throw new ApiError(400, 'validation_failed', t('fixJsonFirst'));
      }
      const flow = await api.call('POST /flows', {
        body: {
          ...(definition as object),
          name: name.trim(),
          ...(description.trim() ? { description: description.trim() } : {}),
          ...(icon.trim() ? { icon: icon.trim() } : {}),
        } as never,
      });
      id = flow.id;
    });
    if (ok) {
      await c.reloadLookups();
      navigate(sectionPath('flows', id));
      c.announce(t('flowCreatedMsg', { name: name.trim() }));
    }
  };
  return (
    <>
      <PageHeader title={t('newFlow')}>
        <Link href={sectionPath('flows')}>{t('backToList', { list: t('navFlows') })}</Link>
      </PageHeader>
      <form class="pb-form pb-form-wide" onSubmit={(e) => void submit(e)}>
        <TextField label={t('name')} value={name} onInput={setName} error={issues.byField.name} required />
        <TextArea label={t('description')} value={description} onInput={setDescription} error={issues.byField.description} rows={2} />
        <TextField label={t('iconUrl')} type="url" value={icon} onInput={setIcon} error={issues.byField.icon} />
        <FlowEditor
          id="new-flow-def"
          label={t('definitionJson')}
          value={text}
          onInput={setText}
          serverIssues={definitionIssues}
          issuePrefix="body"
        />
        <ErrorAlert error={action.error} />
        <div class="pb-actions">
          <button type="submit" class="pb-btn pb-btn-primary" disabled={action.busy}>
            {t('createFlow')}
          </button>
        </div>
      </form>
    </>
  );
}
