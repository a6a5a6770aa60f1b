// A task's sandbox: its files listed through the agent's /files/browse, and a live tail of one of
// them (stdout by default) through /files/read, both forwarded by the leading master
// (/master/agents/<id>/...), since the page may not reach the agent itself. The tail reads only
// the bytes added since its last read, once a second while the page shows it.
import { el } from '../app/dom.ts';
import { liveLink } from './connection.ts';
import type { LiveTask } from './store.ts';

/** How often the tail reads the file, and the most of it the page keeps. */
const tail_interval_ms = 1000;
const tail_chars_max = 200_000;
/** The bytes a first read of a long file starts back from its end. */
const tail_start_bytes = 64 * 1024;

interface FileInfo {
  readonly path: string;
  readonly size: number;
  readonly mode: string;
  readonly mtime: number;
}

interface AgentStateExecutor {
  readonly id: string;
  readonly directory: string;
  readonly tasks?: readonly { id: string }[];
  readonly queued_tasks?: readonly { id: string }[];
  readonly completed_tasks?: readonly { id: string }[];
}

interface AgentStateFramework {
  readonly id: string;
  readonly executors?: readonly AgentStateExecutor[];
  readonly completed_executors?: readonly AgentStateExecutor[];
}

/** The agent's URL through the leading master. */
function agentUrl(agent_id: string, endpoint: string): string {
  const base = liveLink().leader?.url ?? liveLink().home;
  return `${base}/master/agents/${encodeURIComponent(agent_id)}/${endpoint}`;
}

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${res.status}: ${(await res.text()).slice(0, 200)}`);
  return (await res.json()) as T;
}

/** The sandbox directory of a task, from its agent's /state. */
export async function sandboxOf(task: LiveTask): Promise<string | undefined> {
  const state = await getJson<{
    frameworks?: AgentStateFramework[];
    completed_frameworks?: AgentStateFramework[];
  }>(agentUrl(task.agent_id.value, 'state'));
  const id = task.task_id.value;
  for (const f of [...(state.frameworks ?? []), ...(state.completed_frameworks ?? [])]) {
    if (f.id !== task.framework_id.value) continue;
    for (const e of [...(f.executors ?? []), ...(f.completed_executors ?? [])]) {
      const all = [...(e.tasks ?? []), ...(e.queued_tasks ?? []), ...(e.completed_tasks ?? [])];
      if (all.some((t) => t.id === id) || e.id === id) return e.directory;
    }
  }
  return undefined;
}

/** Shows the sandbox browser and the tail of `task` in `root`; returns what stops the tail. */
export function showSandbox(root: HTMLElement, task: LiveTask): () => void {
  const files = el('div', { 'aria-label': 'Sandbox files' });
  const which = el('span', { class: 'muted' });
  const follow = el('input', { id: 'tail-follow', type: 'checkbox', checked: '' });
  const pre = el('pre', {
    class: 'tail',
    tabindex: '0',
    'aria-label': 'Output of the task',
    'data-tail': '',
  });
  root.append(
    el('h2', {}, 'Sandbox'),
    files,
    el('h2', {}, 'Output'),
    el('div', { class: 'toolbar' }, which, el('label', { for: 'tail-follow' }, 'Follow'), follow),
    pre,
  );
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let path = '';
  let offset = -1;

  const read = async (): Promise<void> => {
    timer = undefined;
    if (stopped || path === '') return;
    try {
      if (offset < 0) {
        const end = await getJson<{ offset: number }>(
          `${agentUrl(task.agent_id.value, 'files/read')}?path=${encodeURIComponent(path)}&offset=-1`,
        );
        offset = Math.max(0, end.offset - tail_start_bytes);
      }
      const chunk = await getJson<{ data: string; offset: number }>(
        `${agentUrl(task.agent_id.value, 'files/read')}?path=${encodeURIComponent(path)}&offset=${offset}&length=${tail_start_bytes}`,
      );
      if (chunk.data !== '') {
        offset = chunk.offset + new TextEncoder().encode(chunk.data).length;
        const text = pre.textContent + chunk.data;
        pre.textContent = text.length > tail_chars_max ? text.slice(text.length - tail_chars_max) : text;
        if (follow.checked) pre.scrollTop = pre.scrollHeight;
      }
    } catch (error) {
      which.textContent = `${path}: ${(error as Error).message}`;
    }
    if (!stopped) timer = setTimeout(() => void read(), tail_interval_ms);
  };

  const open = (file: string): void => {
    path = file;
    offset = -1;
    pre.textContent = '';
    which.textContent = file.split('/').pop() ?? file;
    if (timer !== undefined) clearTimeout(timer);
    void read();
  };

  const list = async (dir: string): Promise<void> => {
    const entries = await getJson<FileInfo[]>(
      `${agentUrl(task.agent_id.value, 'files/browse')}?path=${encodeURIComponent(dir)}`,
    );
    const rows = entries.map((f) => {
      const name = f.path.split('/').pop() ?? f.path;
      const isDir = f.mode.startsWith('d');
      const button = el(
        'button',
        { type: 'button', 'aria-label': `${isDir ? 'Open folder' : 'Tail'} ${name}` },
        name,
      );
      button.addEventListener('click', () => (isDir ? void list(f.path) : open(f.path)));
      return el('tr', {}, el('td', {}, button), el('td', {}, f.mode), el('td', { class: 'num' }, f.size));
    });
    files.replaceChildren(
      el('p', { class: 'muted path' }, dir),
      el(
        'table',
        {},
        el(
          'thead',
          {},
          el(
            'tr',
            {},
            el('th', { scope: 'col' }, 'File'),
            el('th', { scope: 'col' }, 'Mode'),
            el('th', { scope: 'col', class: 'num' }, 'Size'),
          ),
        ),
        el('tbody', {}, ...rows),
      ),
    );
  };

  void (async () => {
    try {
      const dir = await sandboxOf(task);
      if (dir === undefined) {
        files.textContent = 'The agent no longer holds this task’s sandbox.';
        return;
      }
      await list(dir);
      open(`${dir}/stdout`);
    } catch (error) {
      files.replaceChildren(
        el('p', { class: 'error' }, `The sandbox could not be read: ${(error as Error).message}`),
      );
    }
  })();

  return () => {
    stopped = true;
    if (timer !== undefined) clearTimeout(timer);
  };
}
