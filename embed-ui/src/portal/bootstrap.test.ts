import { describe, expect, it } from 'vitest';
import { configIdFromPath, urlOptions } from './bootstrap.ts';

describe('bootstrap', () => {
  it('reads the configuration id from /embed/{configId}', () => {
    expect(configIdFromPath('/embed/cfg_abcdefghij')).toBe('cfg_abcdefghij');
    expect(configIdFromPath('/embed/cfg_abcdefghij/')).toBe('cfg_abcdefghij');
    expect(configIdFromPath('/embed/')).toBeUndefined();
    expect(configIdFromPath('/embed/a/b')).toBeUndefined();
    expect(configIdFromPath('/other/cfg_x')).toBeUndefined();
  });

  it('keeps only valid options from the query', () => {
    expect(urlOptions('?lang=de&theme=dark&flowId=flow_abcdefghij&token=secret')).toEqual({
      lang: 'de',
      theme: 'dark',
      flowId: 'flow_abcdefghij',
    });
    expect(urlOptions('?lang=fr&theme=neon&flowId=flow_X')).toEqual({});
  });
});
