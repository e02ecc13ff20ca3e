import { AppError } from '../errors.ts';

const MAX_ISSUES = 50;

/**
 * Refuses a JSON body that holds a key `__proto__` at any depth (SECURITY.md, V-03). `JSON.parse`
 * makes it an own property, zod's records drop it without a word, and code that copies keys by
 * assignment would set a prototype with it; so it is answered `400 validation_failed` naming each
 * place (`body.inputs.__proto__`) before any schema or service sees the body. Walks without
 * recursion, so deep nesting cannot exhaust the stack.
 */
export function assertNoProtoKeys(where: string, value: unknown): void {
  const paths: string[] = [];
  const stack: [unknown, string][] = [[value, where]];
  while (stack.length > 0 && paths.length < MAX_ISSUES) {
    const [item, path] = stack.pop() as [unknown, string];
    if (item === null || typeof item !== 'object') continue;
    if (Array.isArray(item)) {
      for (let i = item.length - 1; i >= 0; i--) stack.push([item[i], `${path}.${i}`]);
      continue;
    }
    const keys = Object.keys(item);
    for (let i = keys.length - 1; i >= 0; i--) {
      const key = keys[i] as string;
      if (key === '__proto__') paths.push(`${path}.${key}`);
      else stack.push([(item as Record<string, unknown>)[key], `${path}.${key}`]);
    }
  }
  if (paths.length === 0) return;
  const issues = paths.map((path) => ({ path, message: 'the key "__proto__" is not allowed' }));
  throw new AppError('validation_failed', `Invalid request: ${[...new Set(paths)].slice(0, 5).join(', ')}`, { issues });
}
