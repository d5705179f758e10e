import { vi } from 'vitest';

/**
 * jsdom has no object URLs and does not follow download links: stub both and record every download
 * (its URL, file name and blob). Call `restore()` after the test.
 */
export function captureDownloads() {
  const blobs = new Map<string, Blob>();
  const downloads: Array<{ href: string; filename: string; blob: Blob | undefined; attached: boolean }> = [];
  const had = { create: 'createObjectURL' in URL, revoke: 'revokeObjectURL' in URL };
  const saved = { create: URL.createObjectURL, revoke: URL.revokeObjectURL };
  let n = 0;
  const createObjectURL = vi.fn((blob: Blob) => {
    const url = `blob:http://localhost/${++n}`;
    blobs.set(url, blob);
    return url;
  });
  const revokeObjectURL = vi.fn((url: string) => void blobs.delete(url));
  URL.createObjectURL = createObjectURL as typeof URL.createObjectURL;
  URL.revokeObjectURL = revokeObjectURL;
  const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
    if (this.download) downloads.push({ href: this.href, filename: this.download, blob: blobs.get(this.href), attached: document.body.contains(this) });
  });
  const restore = () => {
    click.mockRestore();
    if (had.create) URL.createObjectURL = saved.create;
    else delete (URL as { createObjectURL?: unknown }).createObjectURL;
    if (had.revoke) URL.revokeObjectURL = saved.revoke;
    else delete (URL as { revokeObjectURL?: unknown }).revokeObjectURL;
  };
  return { downloads, createObjectURL, revokeObjectURL, restore };
}
