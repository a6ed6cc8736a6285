// Fills the placeholder page with live server facts. Plain DOM text (never innerHTML).
const set = (id, text) => {
  const el = document.querySelector(`[data-testid="${id}"]`);
  if (el) el.textContent = text;
};
set('client-route', window.location.pathname);
fetch('/readyz')
  .then((r) => r.json())
  .then((ready) => {
    set('server-version', ready.version ?? 'unknown');
    const db = ready.checks?.database;
    set('server-database', db ? `${db.backend} (${db.ok ? 'ok' : 'unavailable'})` : 'unknown');
  })
  .catch(() => set('server-version', 'unreachable'));
