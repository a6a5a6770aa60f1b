// The app's navigation: views registered by path, chosen by the page's hash (`#/agents/<id>`), so a
// view can be linked to, bookmarked and reloaded, and the back button works. Live views and trace
// views register alike; the nav bar lists those that ask to be listed, in the order registered.

/** What a view is given when it is shown. */
export interface ViewContext {
  /** The element the view fills. */
  readonly root: HTMLElement;
  /** The path's parts after the view's own (`#/agents/a1` gives `['a1']` to `agents`). */
  readonly params: readonly string[];
  /** The query after `?` in the hash. */
  readonly query: URLSearchParams;
}

/** One view of the app. */
export interface View {
  /** The first part of its hash path: `agents` for `#/agents`. */
  readonly path: string;
  /** Its name in the nav bar and the page title. */
  readonly title: string;
  /** Listed in the nav bar (views reached only by links are not). */
  readonly nav: boolean;
  /** Shows the view; returns what to do when it is left. */
  show(ctx: ViewContext): () => void;
}

const views: View[] = [];
let default_path = '';

/** Adds a view; the first registered is shown for an empty hash. */
export function registerView(view: View): void {
  if (views.some((v) => v.path === view.path)) throw new Error(`view '${view.path}' registered twice`);
  views.push(view);
  if (default_path === '') default_path = view.path;
}

/** The hash of a view's path and parameters, for links. */
export function href(path: string, ...params: string[]): string {
  return `#/${[path, ...params.map(encodeURIComponent)].join('/')}`;
}

function parse(hash: string): { path: string; params: string[]; query: URLSearchParams } {
  const text = hash.replace(/^#\/?/, '');
  const q = text.indexOf('?');
  const parts = (q < 0 ? text : text.slice(0, q)).split('/').filter((p) => p !== '');
  return {
    path: parts[0] ?? default_path,
    params: parts.slice(1).map((p) => decodeURIComponent(p)),
    query: new URLSearchParams(q < 0 ? '' : text.slice(q + 1)),
  };
}

function renderNav(nav: HTMLElement, current: string): void {
  nav.replaceChildren(
    ...views
      .filter((v) => v.nav)
      .map((v) => {
        const a = document.createElement('a');
        a.href = href(v.path);
        a.textContent = v.title;
        if (v.path === current) a.setAttribute('aria-current', 'page');
        return a;
      }),
  );
}

/** Shows the view the hash names and follows the hash from then on. */
export function startRouter(nav: HTMLElement, main: HTMLElement): void {
  let leave: (() => void) | undefined;
  let shown = '';
  const route = (): void => {
    const { path, params, query } = parse(location.hash);
    const view = views.find((v) => v.path === path);
    leave?.();
    leave = undefined;
    main.replaceChildren();
    renderNav(nav, view?.path ?? '');
    if (view === undefined) {
      const p = document.createElement('p');
      p.className = 'error';
      p.textContent = `No view '${path}'. Pick one above.`;
      main.append(p);
      return;
    }
    document.title = `${view.title} · meso`;
    leave = view.show({ root: main, params, query });
    // Moving to another view puts the keyboard focus on its content, as a page load would.
    if (shown !== '' && shown !== path) main.focus({ preventScroll: true });
    shown = path;
  };
  window.addEventListener('hashchange', route);
  route();
}
