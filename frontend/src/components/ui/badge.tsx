export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge badge-${status}`}>{status}</span>;
}

export function ModeBadge({ mode }: { mode: string }) {
  return <span className={`badge badge-mode-${mode}`}>{mode}</span>;
}
