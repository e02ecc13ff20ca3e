import type { EmbedFlow } from '@patchbay/shared';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadLanguage, translator } from '../lib/i18n.ts';
import { triggerText } from './views/FlowGroups.tsx';

const flow = (trigger: unknown) => ({ trigger }) as unknown as EmbedFlow;

beforeAll(() => loadLanguage('de'));

describe('triggerText', () => {
  it('names the time zone of a cron schedule, UTC when the flow names none', () => {
    expect(triggerText(translator('en'), flow({ type: 'schedule', cron: '0 8 * * 1', timezone: 'Europe/Berlin' }))).toBe(
      'Runs on a schedule (Europe/Berlin time)',
    );
    expect(triggerText(translator('de'), flow({ type: 'schedule', cron: '0 8 * * 1' }))).toBe('Läuft nach Zeitplan (Zeitzone UTC)');
    expect(triggerText(translator('en'), flow({ type: 'schedule', everyMinutes: 15 }))).toBe('Runs every 15 minutes');
  });
});
