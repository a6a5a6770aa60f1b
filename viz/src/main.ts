// The web app's entry: the shared styles, the views (live cluster views first, so an empty hash on
// a master shows its overview), the router, and the link status in the bar once a live view runs.
import './app/styles.css';
import { startRouter } from './app/router.ts';
import { liveLink } from './live/connection.ts';
import { showStatus } from './live/status-bar.ts';
import { registerLiveViews } from './live/views.ts';

registerLiveViews();

const nav = document.getElementById('nav')!;
const main = document.getElementById('main')!;
const status = document.getElementById('status')!;
startRouter(nav, main);
// Views that need the master call liveLink(); the status shows only when one has.
const show = (): void => {
  if (location.hash === '' || !location.hash.startsWith('#/trace')) showStatus(status, liveLink());
};
show();
