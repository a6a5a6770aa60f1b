// The live cluster's views, registered with the app's router in the order the nav bar lists them.
import { registerView } from '../app/router.ts';
import { agents_view } from './agents.ts';
import { frameworks_view } from './frameworks.ts';
import { offers_view } from './offers.ts';
import { overview_view } from './overview.ts';
import { roles_view } from './roles.ts';
import { tasks_view } from './tasks.ts';

/** Registers every live view. */
export function registerLiveViews(): void {
  registerView(overview_view);
  registerView(agents_view);
  registerView(frameworks_view);
  registerView(offers_view);
  registerView(roles_view);
  registerView(tasks_view);
}
