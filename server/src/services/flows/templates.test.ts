import { type FlowDefinition, flowDefinitionSchema } from '@patchbay/shared';
import { describe, expect, it } from 'vitest';
import {
  createTemplateEngine,
  evaluateForEach,
  parseTemplates,
  renderedPathProblem,
  renderJson,
  renderTemplate,
  TEMPLATE_LIMITS,
  type TemplateContext,
  TemplateError,
} from './templates.ts';

const engine = createTemplateEngine();

function definition(step: Record<string, unknown>, extra: Record<string, unknown> = {}): FlowDefinition {
  return flowDefinitionSchema.parse({
    slots: [{ key: 'crm', connectorId: 'crm', label: 'CRM' }],
    steps: [{ id: 'push', type: 'http', slot: 'crm', method: 'POST', path: '/contacts', ...step }],
    ...extra,
  });
}

const context: TemplateContext = {
  trigger: { type: 'manual' },
  inputs: { list: 'leads', count: 3 },
  steps: { fetch: { status: 200, body: { items: [{ id: 'a' }, { id: 'b' }] } } },
  embed: { user_id: 'u-1', account_id: 'acc-1' },
  run: { id: 'run_1', attempt: 1 },
};

describe('parseTemplates', () => {
  it('accepts a definition whose templates all parse', () => {
    const def = definition({
      path: '/lists/{{ inputs.list | url_encode }}/contacts',
      query: { owner: '{{ embed.user_id }}' },
      headers: { 'X-Run': '{{ run.id }}' },
      body: { list: '{{ inputs.list }}', tags: ['{% if inputs.count > 2 %}many{% endif %}', 7, null], nested: { a: '{{ trigger.type }}' } },
      forEach: '{{ steps.fetch.body.items }}',
    });
    expect(parseTemplates(def, engine)).toEqual([]);
  });

  it('names every broken template by its path inside the definition', () => {
    const def = definition(
      {
        path: '/contacts/{{ inputs.id',
        query: { q: '{{ x | no_such_filter }}' },
        headers: { 'X-A': '{% if %}' },
        body: { owner: '{{ inputs.list ', deep: [{ x: '{% for %}' }] },
        forEach: '{{ steps.fetch.body.items | nope }}',
      },
      {
        inputs: [
          {
            key: 'pick',
            type: 'select',
            label: 'Pick',
            remoteOptions: { slot: 'crm', path: '/lists?q={{ inputs.q', valueKey: 'id', labelKey: 'name' },
          },
        ],
      },
    );
    expect(parseTemplates(def, engine)).toEqual([
      { path: ['inputs', 0, 'remoteOptions', 'path'], message: 'Liquid: output "{{ inputs.q" not closed, line:1, col:10' },
      { path: ['steps', 0, 'path'], message: 'Liquid: output "{{ inputs.id" not closed, line:1, col:11' },
      { path: ['steps', 0, 'query', 'q'], message: 'Liquid: undefined filter: no_such_filter, line:1, col:1' },
      { path: ['steps', 0, 'headers', 'X-A'], message: 'Liquid: invalid value expression: "", line:1, col:6' },
      { path: ['steps', 0, 'body', 'owner'], message: 'Liquid: output "{{ inputs.list " not closed, line:1, col:1' },
      { path: ['steps', 0, 'body', 'deep', 0, 'x'], message: 'Liquid: illegal tag: {% for %}, line:1, col:1' },
      { path: ['steps', 0, 'forEach'], message: 'Liquid: undefined filter: nope, line:1, col:1' },
    ]);
  });

  it('refuses tags that would read templates from elsewhere', () => {
    const def = definition({ body: { a: '{% include "/etc/passwd" %}', b: '{% render "x" %}', c: '{% layout "x" %}' } });
    expect(parseTemplates(def, engine).map((i) => [i.path.join('.'), i.message])).toEqual([
      ['steps.0.body.a', 'Liquid: the "include" tag is not allowed in flows, line:1, col:1'],
      ['steps.0.body.b', 'Liquid: the "render" tag is not allowed in flows, line:1, col:1'],
      ['steps.0.body.c', 'Liquid: the "layout" tag is not allowed in flows, line:1, col:1'],
    ]);
  });

  it('refuses literal whitespace in a path but not inside its template tags', () => {
    expect(parseTemplates(definition({ path: '/a b' }), engine)).toEqual([
      { path: ['steps', 0, 'path'], message: 'a path must not contain whitespace outside {{ }} (encode it as %20)' },
    ]);
    expect(parseTemplates(definition({ path: '/a/{{ inputs.list }}' }), engine)).toEqual([]);
  });
});

describe('rendering', () => {
  it('renders a template over the run context', () => {
    expect(renderTemplate(engine, '/lists/{{ inputs.list }}?by={{ embed.user_id | upcase }}', context)).toBe('/lists/leads?by=U-1');
  });

  it('renders every string of a JSON body and keeps its shape', () => {
    expect(renderJson(engine, { list: '{{ inputs.list }}', n: 5, tags: ['{{ run.id }}', true, null] }, context)).toEqual({
      list: 'leads',
      n: 5,
      tags: ['run_1', true, null],
    });
  });

  it('evaluates forEach to the list it names and refuses anything else', () => {
    expect(evaluateForEach(engine, '{{ steps.fetch.body.items }}', context)).toEqual([{ id: 'a' }, { id: 'b' }]);
    expect(() => evaluateForEach(engine, '{{ inputs.list }}', context)).toThrow(new TemplateError('forEach did not name a list'));
  });

  it('fails a render that exceeds the memory limit or the output size', () => {
    expect(() => renderTemplate(engine, '{% for i in (1..100000000) %}x{% endfor %}', context)).toThrow(TemplateError);
    const big: TemplateContext = { ...context, inputs: { text: 'x'.repeat(TEMPLATE_LIMITS.outputChars + 1) } };
    expect(() => renderTemplate(engine, '{{ inputs.text }}', big)).toThrow(
      new TemplateError(`rendered text is longer than ${TEMPLATE_LIMITS.outputChars} characters`),
    );
  });

  it('reads only own properties of the context', () => {
    expect(renderTemplate(engine, '[{{ inputs.constructor }}][{{ inputs.__proto__ }}][{{ inputs.list }}]', context)).toBe('[][][leads]');
  });
});

describe('renderedPathProblem', () => {
  it('accepts a path under the base URL', () => {
    expect(renderedPathProblem('/contacts/42?list=leads&next=https://x.example')).toBeNull();
  });

  it.each([
    ['https://evil.example/x', 'the path must start with a single "/"'],
    ['//evil.example/x', 'the path must start with a single "/"'],
    ['/a\\b', 'the path must not contain whitespace, a backslash or control characters'],
    ['/a\nb', 'the path must not contain whitespace, a backslash or control characters'],
    ['/v1/../admin', 'the path must not contain "." or ".." segments'],
    ['/v1/%2e%2e/admin', 'the path must not contain "." or ".." segments'],
  ])('refuses %j', (path, problem) => {
    expect(renderedPathProblem(path)).toBe(problem);
  });
});
