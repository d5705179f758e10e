/**
 * Hand a blob to the browser as a download: an object URL clicked through a temporary link, the URL
 * revoked once the click has been handled.
 */
export function saveBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  link.rel = 'noopener';
  link.style.display = 'none';
  document.body.appendChild(link);
  try {
    link.click();
  } finally {
    link.remove();
    // Some browsers read the URL after click() returns: revoke it on the next turn.
    setTimeout(() => URL.revokeObjectURL(url), 0);
  }
}
