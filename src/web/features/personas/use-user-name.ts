import { useServices } from '../../app/services.js';
import { useResource } from '../../app/use-resource.js';
import { useSession } from '../../app/use-session.js';

/** The name the user's messages carry: the default persona's, else the account's. */
export function useUserName(): string {
  const { api } = useServices();
  const session = useSession();
  const personas = useResource((signal) => api.settings.personas(signal), ['personas'], 'personas');
  const persona = personas.data?.find((candidate) => candidate.isDefault);
  return persona?.name ?? session.user?.name ?? 'You';
}
