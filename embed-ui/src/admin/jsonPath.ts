/** Where a value sits in JSON text: `[start, end)` offsets. */
export interface Span {
  start: number;
  end: number;
}

type Node =
  | (Span & { kind: 'object'; entries: Map<string, Node> })
  | (Span & { kind: 'array'; items: Node[] })
  | (Span & { kind: 'primitive' });

/** Parses JSON text (already known to be valid) into spans; throws on text that is not JSON. */
function parseSpans(text: string): Node {
  let i = 0;
  const ws = () => {
    while (i < text.length && /\s/.test(text[i] as string)) i++;
  };
  const expect = (c: string) => {
    if (text[i] !== c) throw new SyntaxError(`expected ${c} at ${i}`);
    i++;
  };
  const string = (): string => {
    const start = i;
    expect('"');
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    expect('"');
    return JSON.parse(text.slice(start, i)) as string;
  };
  const value = (): Node => {
    ws();
    const start = i;
    const c = text[i];
    if (c === '{') {
      i++;
      const entries = new Map<string, Node>();
      ws();
      if (text[i] === '}') i++;
      else
        for (;;) {
          ws();
          const key = string();
          ws();
          expect(':');
          entries.set(key, value());
          ws();
          if (text[i] === ',') i++;
          else {
            expect('}');
            break;
          }
        }
      return { kind: 'object', entries, start, end: i };
    }
    if (c === '[') {
      i++;
      const items: Node[] = [];
      ws();
      if (text[i] === ']') i++;
      else
        for (;;) {
          items.push(value());
          ws();
          if (text[i] === ',') i++;
          else {
            expect(']');
            break;
          }
        }
      return { kind: 'array', items, start, end: i };
    }
    if (c === '"') {
      string();
      return { kind: 'primitive', start, end: i };
    }
    while (i < text.length && !/[\s,}\]]/.test(text[i] as string)) i++;
    if (i === start) throw new SyntaxError(`unexpected character at ${i}`);
    return { kind: 'primitive', start, end: i };
  };
  const root = value();
  ws();
  if (i !== text.length) throw new SyntaxError(`unexpected text at ${i}`);
  return root;
}

/**
 * The span of the value at `path` in JSON text, or of its deepest existing ancestor (a missing
 * property points at the object that should hold it); undefined when the text is not JSON.
 */
export function locateJsonPath(text: string, path: readonly (string | number)[]): Span | undefined {
  let node: Node;
  try {
    node = parseSpans(text);
  } catch {
    return undefined;
  }
  for (const segment of path) {
    const next =
      node.kind === 'object' ? node.entries.get(String(segment)) : node.kind === 'array' ? node.items[Number(segment)] : undefined;
    if (!next) break;
    node = next;
  }
  return { start: node.start, end: node.end };
}

/** A server issue path (`body.definition.steps.0.slot`) as segments below `prefix` (`body.definition`). */
export function issueSegments(path: string, prefix: string): (string | number)[] {
  const rest = path === prefix ? '' : path.startsWith(`${prefix}.`) ? path.slice(prefix.length + 1) : path;
  return rest
    .split('.')
    .filter(Boolean)
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

/** The offset a `JSON.parse` syntax error names (V8: "… at position 12 …"), if any. */
export function syntaxErrorOffset(error: unknown): number | undefined {
  const m = /position (\d+)/.exec(String((error as Error | undefined)?.message ?? ''));
  return m ? Number(m[1]) : undefined;
}
