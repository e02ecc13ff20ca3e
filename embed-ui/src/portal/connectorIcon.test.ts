import { describe, expect, it } from 'vitest';
import { monogramColour } from './components/Feedback.tsx';

describe('monogram colours', () => {
  it('are stable per name and spread over the palette', () => {
    expect(monogramColour('Demo CRM')).toBe(monogramColour('Demo CRM'));
    expect(monogramColour('Demo CRM')).not.toBe(monogramColour('Vault'));
    const names = ['Demo CRM', 'Vault', 'Mailer', 'Billing', 'Docs', 'Tickets', 'Chat', 'Calendar', 'Files', 'Forms'];
    expect(new Set(names.map(monogramColour)).size).toBeGreaterThanOrEqual(5);
  });

  it('are dark enough for white text (WCAG AA 4.5:1)', () => {
    const lum = (hex: string) => {
      const [r, g, b] = [1, 3, 5].map((i) => {
        const c = Number.parseInt(hex.slice(i, i + 2), 16) / 255;
        return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
      }) as [number, number, number];
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    for (const name of ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l']) {
      expect(1.05 / (lum(monogramColour(name)) + 0.05)).toBeGreaterThanOrEqual(4.5);
    }
  });
});
