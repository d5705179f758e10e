import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { formatDateTime } from '@/lib/format';
import { scalperBot } from '@/testing/fixtures';
import { BotStatePanel } from './bot-state-panel';

function nextTickText() {
  const term = screen.getByText('Next tick');
  return term.nextElementSibling?.textContent;
}

describe('BotStatePanel next tick', () => {
  it('shows when a running bot is next due, as the API says', () => {
    render(<BotStatePanel bot={{ ...scalperBot, next_tick_at: '2026-03-01T10:06:00Z', state: { last_tick_at: '2026-03-01T10:05:00Z' } }} />);
    expect(nextTickText()).toBe(formatDateTime('2026-03-01T10:06:00Z'));
    expect(nextTickText()).not.toBe(formatDateTime('2026-03-01T10:05:00Z'));
  });

  it('says a paused or stopped bot has no tick coming', () => {
    const { rerender } = render(<BotStatePanel bot={{ ...scalperBot, status: 'paused', next_tick_at: null }} />);
    expect(nextTickText()).toBe('Paused');
    rerender(<BotStatePanel bot={{ ...scalperBot, status: 'stopped', next_tick_at: null }} />);
    expect(nextTickText()).toBe('Not scheduled');
    rerender(<BotStatePanel bot={{ ...scalperBot, status: 'error', next_tick_at: null }} />);
    expect(nextTickText()).toBe('Not scheduled');
  });

  it('shows a dash for a running bot when the API gives no time', () => {
    render(<BotStatePanel bot={{ ...scalperBot, next_tick_at: undefined }} />);
    expect(nextTickText()).toBe('—');
  });
});
