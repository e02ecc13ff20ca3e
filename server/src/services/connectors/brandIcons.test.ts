import { describe, expect, it } from 'vitest';
import { brandIconFor } from './brandIcons.ts';

describe('brand icons of catalogue connectors', () => {
  it('answer the one matching Simple Icons mark for a catalogue key, and nothing otherwise', () => {
    const github = brandIconFor('github');
    expect(github?.hex).toBe('181717');
    expect(github?.path).toMatch(/^M[\d.\s,-]/);
    expect(brandIconFor('hubspot')?.hex).toMatch(/^[0-9A-F]{6}$/);
    expect(brandIconFor(null)).toBeNull();
    expect(brandIconFor('no-such-service-here')).toBeNull();
  });
});
