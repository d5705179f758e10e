import { describe, expect, it } from 'vitest';
import { grid, smaCross } from '@/testing/fixtures';
import type { Strategy } from '@/types/api';
import { LAST_INPUTS_KEY, loadLastInputs, saveLastInputs } from './last-inputs';

function memoryStorage(): Storage {
  const data = new Map<string, string>();
  return {
    get length() {
      return data.size;
    },
    clear: () => data.clear(),
    getItem: (k) => data.get(k) ?? null,
    key: (i) => [...data.keys()][i] ?? null,
    removeItem: (k) => void data.delete(k),
    setItem: (k, v) => void data.set(k, String(v)),
  };
}

const defaultsFor = (s: Strategy) => ({ strategy: s.id, symbol: 'BTCUSDT', 'params.fast': '10', source: 'range', csv: '', fee: '0.001' });

describe('last backtest inputs', () => {
  it('gives back what was submitted, except an uploaded CSV', () => {
    const storage = memoryStorage();
    saveLastInputs({ strategy: 'sma_cross', symbol: 'ETHUSDT', 'params.fast': '7', source: 'csv', csv: 'a,b,c', fee: '0.002' }, storage);
    expect(JSON.parse(storage.getItem(LAST_INPUTS_KEY) ?? '{}')).not.toHaveProperty('csv');
    expect(loadLastInputs([smaCross, grid], defaultsFor, storage)).toEqual({
      strategy: 'sma_cross', symbol: 'ETHUSDT', 'params.fast': '7', source: 'csv', csv: '', fee: '0.002',
    });
  });

  it('starts from the defaults when nothing, garbage or a strategy no longer offered was saved', () => {
    const storage = memoryStorage();
    expect(loadLastInputs([smaCross], defaultsFor, storage)).toBeNull();
    storage.setItem(LAST_INPUTS_KEY, '{oops');
    expect(loadLastInputs([smaCross], defaultsFor, storage)).toBeNull();
    storage.setItem(LAST_INPUTS_KEY, JSON.stringify({ strategy: 'gone' }));
    expect(loadLastInputs([smaCross], defaultsFor, storage)).toBeNull();
  });

  it('ignores saved keys the form does not have and values of the wrong type', () => {
    const storage = memoryStorage();
    storage.setItem(LAST_INPUTS_KEY, JSON.stringify({ strategy: 'sma_cross', injected: 'x', fee: 3 }));
    expect(loadLastInputs([smaCross], defaultsFor, storage)).toEqual(defaultsFor(smaCross));
  });
});
