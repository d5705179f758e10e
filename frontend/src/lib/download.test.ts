import { afterEach, describe, expect, it, vi } from 'vitest';
import { captureDownloads } from '@/testing/downloads';
import { saveBlob } from './download';

describe('saveBlob', () => {
  let capture: ReturnType<typeof captureDownloads> | null = null;
  afterEach(() => {
    capture?.restore();
    vi.useRealTimers();
  });

  it('clicks a temporary link to an object URL with the file name, then removes it and revokes the URL', () => {
    vi.useFakeTimers();
    capture = captureDownloads();
    const blob = new Blob(['zip'], { type: 'application/zip' });
    saveBlob(blob, 'tradebot-export.zip');

    expect(capture.createObjectURL).toHaveBeenCalledWith(blob);
    expect(capture.downloads).toEqual([{ href: 'blob:http://localhost/1', filename: 'tradebot-export.zip', blob, attached: true }]);
    expect(document.querySelector('a[download]')).toBeNull();
    expect(capture.revokeObjectURL).not.toHaveBeenCalled();
    vi.runAllTimers();
    expect(capture.revokeObjectURL).toHaveBeenCalledWith('blob:http://localhost/1');
  });
});
