// The live cluster's views, registered with the app's router in the order the nav bar lists them.
import { registerView } from '../app/router.ts';
import { overview_view } from './overview.ts';

/** Registers every live view. */
export function registerLiveViews(): void {
  registerView(overview_view);
}
