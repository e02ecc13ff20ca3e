import { describe, expect, it } from 'vitest';
import type { TemplateContext } from '../services/flows/templates.ts';
import { RunTemplateError, RunTemplates } from './template.ts';

const context: TemplateContext = {
  trigger: { type: 'webhook', payload: { contact: { email: 'ada@example.test', tags: ['a', 'b'] }, count: 3 } },
  inputs: Object.assign(Object.create(null), { list: 'leads', limit: 25, active: true }),
  steps: { fetch: { status: 200, headers: {}, body: { items: [{ id: 'x1' }, { id: 'x2' }] } } },
  embed: { user_id: 'u-1', account_id: 'acct-1' },
  run: { id: 'run_1', attempt: 1 },
};

async function failsWith(promise: Promise<unknown>, code: string): Promise<string> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RunTemplateError);
  expect((err as RunTemplateError).code).toBe(code);
  return (err as RunTemplateError).message;
}

describe('the run sandbox', () => {
  it('renders over the run context', async () => {
    const t = new RunTemplates();
    expect(await t.text('/lists/{{ inputs.list }}?by={{ embed.user_id | upcase }}&n={{ trigger.payload.count }}', context)).toBe(
      '/lists/leads?by=U-1&n=3',
    );
  });

  it('refuses include, render and layout: there is no file system to read', async () => {
    const t = new RunTemplates();
    for (const tag of ['{% include "/etc/passwd" %}', '{% render "secrets" %}', '{% layout "base" %}x']) {
      expect(await failsWith(t.text(tag, context), 'template_error')).toMatch(/is not allowed in flows/);
    }
  });

  it('reads no prototype, no constructor and no process', async () => {
    const t = new RunTemplates();
    const probes = [
      '{{ inputs.constructor }}',
      '{{ inputs.__proto__ }}',
      '{{ run.constructor.constructor }}',
      '{{ process }}',
      '{{ process.env }}',
      '{{ trigger.payload.contact.email.constructor.name }}',
      '{{ steps.fetch.body.items.constructor }}',
      '{{ global }}{{ globalThis }}{{ require }}',
    ];
    for (const probe of probes) expect(await t.text(probe, context)).toBe('');
    expect(await t.value('{{ inputs.constructor }}', context)).toBeNull();
  });

  it('fails unknown filters', async () => {
    expect(await failsWith(new RunTemplates().text('{{ inputs.list | exec }}', context), 'template_error')).toMatch(/undefined filter/);
  });

  it('fails a template looping a million times with template_limit, and the event loop keeps turning', async () => {
    const t = new RunTemplates();
    let ticks = 0;
    const timer = setInterval(() => {
      ticks += 1;
    }, 20);
    const started = performance.now();
    try {
      for (let i = 0; i < 5; i += 1) {
        await failsWith(t.text('{% for i in (1..999999) %}{% for j in (1..1000) %}{% endfor %}{% endfor %}', context), 'template_limit');
      }
    } finally {
      clearInterval(timer);
    }
    const elapsed = performance.now() - started;
    // each render stops at its limit (200 ms); between renders the loop ran the timer
    expect(elapsed).toBeLessThan(5_000);
    expect(ticks).toBeGreaterThanOrEqual(3);
  });

  it('fails a template producing 100 MB with template_limit', async () => {
    const t = new RunTemplates();
    const doubling = '{% assign s = "0123456789" %}{% for i in (1..24) %}{% assign s = s | append: s %}{% endfor %}{{ s }}';
    expect(await failsWith(t.text(doubling, context), 'template_limit')).toMatch(/memory/);
    expect(await failsWith(t.text('{% for i in (1..100000000) %}xxxxxxxxxx{% endfor %}', context), 'template_limit')).toMatch(/memory/);
  });

  it('stops a run whose templates together take longer than its budget', async () => {
    const t = new RunTemplates(undefined, 300);
    const slow = '{% for i in (1..999999) %}{% endfor %}';
    await failsWith(t.text(slow, context), 'template_limit');
    await failsWith(t.text(slow, context), 'template_limit');
    expect(await failsWith(t.text('{{ inputs.list }}', context), 'template_limit')).toMatch(/budget|longer than 300 ms/);
  });

  it('keeps the type of a body leaf that is exactly one output, renders the rest to text', async () => {
    const t = new RunTemplates();
    const body = {
      list: '{{ inputs.list }}',
      limit: '{{ inputs.limit }}',
      active: '{{ inputs.active }}',
      tags: '{{ trigger.payload.contact.tags }}',
      first: ' {{ steps.fetch.body.items | first }} ',
      missing: '{{ inputs.nothing }}',
      sentence: 'Limit {{ inputs.limit }}',
      literal: 42,
      nested: [{ who: '{{ embed.user_id }}' }, null, true],
    };
    expect(await t.json(body, context)).toEqual({
      list: 'leads',
      limit: 25,
      active: true,
      tags: ['a', 'b'],
      first: { id: 'x1' },
      missing: null,
      sentence: 'Limit 25',
      literal: 42,
      nested: [{ who: 'u-1' }, null, true],
    });
  });

  it('evaluates forEach to a list of at most 1,000 items', async () => {
    const t = new RunTemplates();
    expect(await t.list('{{ steps.fetch.body.items }}', context)).toEqual([{ id: 'x1' }, { id: 'x2' }]);
    expect(await failsWith(t.list('{{ inputs.list }}', context), 'template_error')).toBe('forEach did not name a list');
    const many = { ...context, steps: { big: { body: Array.from({ length: 1001 }, (_, i) => i) } } };
    expect(await failsWith(t.list('{{ steps.big.body }}', many), 'template_limit')).toMatch(/1001 items/);
  });
});
