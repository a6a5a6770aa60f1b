// The web app's entry: the shared styles, the views (live cluster views first, so an empty hash on
// a master shows its overview), the router, and the link status in the bar once a live view runs.
import './app/styles.css';
import { startRouter } from './app/router.ts';
import { liveLink } from './live/connection.ts';
import { showStatus } from './live/status-bar.ts';
import { registerLiveViews } from './live/views.ts';
import { registerTraceViews } from './trace/views.ts';

registerLiveViews();
registerTraceViews();
// A trace named in the page's query (`meso viz` prints such a URL) opens the trace viewer.
if (location.hash === '' && new URLSearchParams(location.search).has('trace')) location.hash = '#/trace';

const nav = document.getElementById('nav')!;
const main = document.getElementById('main')!;
const status = document.getElementById('status')!;
startRouter(nav, main);
// Views that need the master call liveLink(); the status shows only when one has.
const show = (): void => {
  if (location.hash === '' || !location.hash.startsWith('#/trace')) showStatus(status, liveLink());
};
show();
