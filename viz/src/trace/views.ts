// The trace viewer's place in the app: `#/trace?trace=URL&trace=URL`, also reached with `?trace=URL`
// in the page's own query (what `meso viz` prints).
import { registerView } from '../app/router.ts';
import type { WorkerRequest } from './messages.ts';
import { mountTraceViewer } from './viewer.ts';

/** The traces a query names, each as a request to read it. */
function requestsOf(query: URLSearchParams): WorkerRequest[] {
  return query.getAll('trace').map((url) => ({ name: decodeURIComponent(url.split('/').pop() ?? url), url }));
}

/** Registers the trace viewer. */
export function registerTraceViews(): void {
  registerView({
    path: 'trace',
    title: 'Trace viewer',
    nav: true,
    show: ({ root, query }) => {
      const named = requestsOf(query);
      return mountTraceViewer(
        root,
        named.length > 0 ? named : requestsOf(new URLSearchParams(location.search)),
      );
    },
  });
}
