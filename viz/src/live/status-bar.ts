// The status line in the page's bar: which master the page follows, or that it is disconnected and
// when it tries again. Shown once a live view has started the link.
import type { LinkStatus, LiveLink } from './connection.ts';

/** The text of a link status. */
export function statusText(status: LinkStatus): string {
  switch (status.kind) {
    case 'connecting':
      return `Connecting to ${status.url}...`;
    case 'connected':
      return `Leader ${status.leader.hostname} (${status.leader.url})`;
    case 'disconnected':
      return `Disconnected from ${status.url}: ${status.reason}. Retrying in ${Math.round(status.retry_ms / 100) / 10} s`;
  }
}

/** Keeps `node` showing the link's status. */
export function showStatus(node: HTMLElement, link: LiveLink): void {
  const paint = (status: LinkStatus): void => {
    node.textContent = statusText(status);
    node.dataset.link = status.kind;
  };
  paint(link.status);
  link.onStatus(paint);
}
