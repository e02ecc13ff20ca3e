import { describe, expect, it } from 'vitest';
import { issueSegments, locateJsonPath, syntaxErrorOffset } from './jsonPath.ts';

const text = JSON.stringify(
  {
    slots: [{ key: 'crm', connectorId: 'crm' }],
    steps: [{ id: 'push', slot: 'nope', body: { 'a.b': [1, 'x\\"y'] } }],
    trigger: { type: 'manual' },
  },
  null,
  2,
);
const at = (path: (string | number)[]) => {
  const span = locateJsonPath(text, path);
  return span && text.slice(span.start, span.end);
};

describe('locateJsonPath', () => {
  it('finds the value at a path of keys and array indexes', () => {
    expect(at(['steps', 0, 'slot'])).toBe('"nope"');
    expect(at(['slots', 0, 'key'])).toBe('"crm"');
    expect(at(['trigger'])).toBe('{\n    "type": "manual"\n  }');
    expect(at(['steps', 0, 'body', 'a.b', 1])).toBe('"x\\\\\\"y"');
    expect(at([])).toBe(text);
  });

  it('points at the deepest existing ancestor when the end of the path is missing', () => {
    const missing = at(['steps', 0, 'method']);
    expect(missing?.startsWith('{\n      "id": "push",')).toBe(true);
    expect(missing?.endsWith('}')).toBe(true);
    const step = locateJsonPath(text, ['steps', 0]);
    expect(locateJsonPath(text, ['steps', 0, 'method'])).toEqual(step);
    expect(locateJsonPath(text, ['steps', 7])).toEqual(locateJsonPath(text, ['steps']));
    expect(locateJsonPath(text, ['slots', 0, 'key', 'deeper'])).toEqual(locateJsonPath(text, ['slots', 0, 'key']));
  });

  it('answers nothing for text that is not JSON', () => {
    expect(locateJsonPath('{"a": }', ['a'])).toBeUndefined();
    expect(locateJsonPath('{"a": 1} trailing', ['a'])).toBeUndefined();
  });
});

describe('issueSegments and syntaxErrorOffset', () => {
  it('turns a server issue path below a prefix into segments, indexes as numbers', () => {
    expect(issueSegments('body.definition.steps.0.slot', 'body.definition')).toEqual(['steps', 0, 'slot']);
    expect(issueSegments('body.definition', 'body.definition')).toEqual([]);
    expect(issueSegments('body.slots.1', 'body')).toEqual(['slots', 1]);
  });

  it('reads the offset V8 names in a JSON syntax error', () => {
    let error: unknown;
    try {
      JSON.parse('{"a": 1,, }');
    } catch (e) {
      error = e;
    }
    expect(syntaxErrorOffset(error)).toBe(8);
    expect(syntaxErrorOffset(new Error('something else'))).toBeUndefined();
  });
});
