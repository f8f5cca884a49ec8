import { describeSaveStatus } from '../sync/save-status.js';
import { useSaveStatus } from '../ui/use-save-status.js';

/** The one save signal, announced politely to screen readers. */
export function SaveStatusBadge() {
  const status = useSaveStatus();
  return (
    <span role="status" aria-live="polite" className={`save-status save-status-${status.state}`}>
      {describeSaveStatus(status)}
    </span>
  );
}
