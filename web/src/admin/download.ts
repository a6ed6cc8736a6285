// Saves a Blob as a file (the CSV the server sends only to a request with the bearer token).
export function saveBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  a.hidden = true;
  document.body.appendChild(a);
  a.click();
  a.remove();
  // The download has started by now; the URL is only kept for slow browsers.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
