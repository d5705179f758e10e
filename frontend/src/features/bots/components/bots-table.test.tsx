import { screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { scalperBot } from '@/testing/fixtures';
import { renderWithProviders } from '@/testing/test-utils';
import type { Bot } from '../types';
import { BotsTable, botPnl } from './bots-table';

const bot = (over: Partial<Bot>): Bot => ({ ...scalperBot, state: { realised_pnl: '-1.5', unrealised_pnl: '0.5' }, ...over }) as Bot;

describe('bots table', () => {
  it('links each bot to its page and to its edit screen, and sums realised and unrealised PnL', async () => {
    renderWithProviders(<BotsTable bots={[bot({}), bot({ id: 'b/2', name: 'Grid', state: undefined })]} />);
    const rows = await screen.findAllByRole('row');
    expect(rows).toHaveLength(3);
    expect(within(rows[1]).getByRole('link', { name: 'Scalper' })).toHaveAttribute('href', '/bots/b1');
    expect(within(rows[1]).getByRole('link', { name: 'Edit Scalper' })).toHaveAttribute('href', '/bots/b1/edit');
    expect(within(rows[2]).getByRole('link', { name: 'Edit Grid' })).toHaveAttribute('href', '/bots/b%2F2/edit');
    expect(botPnl(bot({}))).toBe(-1);
    expect(botPnl(bot({ state: undefined }))).toBeNull();
  });
});
