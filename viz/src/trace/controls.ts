// The player: play/pause, a step either way, speed, the window rates are taken over, and the time
// scrubber. It owns the cursor and moves it, and says so through `onCursor`.
import { formatClock } from '../charts/format.ts';

/** Speeds offered: simulated seconds per second of watching. */
const speeds = [1, 10, 60, 600, 3600];
/** Windows offered for the rates and the flow, in seconds. */
const windows_s = [10, 60, 300, 3600];

/** The player's controls. */
export interface Player {
  readonly node: HTMLElement;
  readonly cursor_ms: () => number;
  readonly window_ms: () => number;
  /** Moves the cursor (clamped to the trace), as a drag of the scrubber would. */
  seek(time_ms: number): void;
}

function labelled(text: string, control: HTMLElement): HTMLLabelElement {
  const label = document.createElement('label');
  label.append(text, ' ', control);
  return label;
}

function select(options: readonly number[], chosen: number, text: (v: number) => string): HTMLSelectElement {
  const s = document.createElement('select');
  for (const v of options) s.append(new Option(text(v), String(v), v === chosen, v === chosen));
  return s;
}

/** Controls over [from_ms, to_ms], stepping by `step_ms`. */
export function player(
  from_ms: number,
  to_ms: number,
  step_ms: number,
  onCursor: () => void,
  onWindow: () => void,
): Player {
  const node = document.createElement('div');
  node.className = 'trace-controls';
  const play = document.createElement('button');
  play.type = 'button';
  const back = document.createElement('button');
  back.type = 'button';
  back.textContent = '◀ step';
  back.setAttribute('aria-label', 'Step back');
  const forward = document.createElement('button');
  forward.type = 'button';
  forward.textContent = 'step ▶';
  forward.setAttribute('aria-label', 'Step forward');
  const speed = select(speeds, 60, (v) => `${v}×`);
  const windowSelect = select(windows_s, 60, (v) =>
    v >= 3600 ? `${v / 3600} h` : v >= 60 ? `${v / 60} min` : `${v} s`,
  );
  const scrubber = document.createElement('input');
  scrubber.type = 'range';
  scrubber.className = 'scrubber';
  scrubber.min = String(from_ms);
  scrubber.max = String(to_ms);
  scrubber.step = 'any';
  scrubber.value = String(to_ms);
  const readout = document.createElement('output');
  readout.className = 'readout';
  node.append(play, back, forward, labelled('Speed', speed), labelled('Rate window', windowSelect));
  node.append(labelled('Time', scrubber), readout);

  let cursor = to_ms;
  let playing = false;
  let last_frame = 0;
  const show = (): void => {
    scrubber.value = String(cursor);
    readout.value = `${formatClock(cursor)} of ${formatClock(to_ms)}`;
    play.textContent = playing ? '❚❚ pause' : '▶ play';
    play.setAttribute('aria-label', playing ? 'Pause' : 'Play');
  };
  const seek = (t: number): void => {
    cursor = Math.max(from_ms, Math.min(to_ms, t));
    show();
    onCursor();
  };
  const frame = (now: number): void => {
    if (!playing) return;
    const dt = last_frame === 0 ? 0 : now - last_frame;
    last_frame = now;
    seek(cursor + dt * Number(speed.value));
    if (cursor >= to_ms) playing = false;
    show();
    if (playing) requestAnimationFrame(frame);
  };
  play.addEventListener('click', () => {
    playing = !playing;
    if (playing && cursor >= to_ms) seek(from_ms);
    last_frame = 0;
    show();
    if (playing) requestAnimationFrame(frame);
  });
  back.addEventListener('click', () => seek(cursor - step_ms));
  forward.addEventListener('click', () => seek(cursor + step_ms));
  scrubber.addEventListener('input', () => seek(Number(scrubber.value)));
  windowSelect.addEventListener('change', onWindow);
  show();
  return { node, cursor_ms: () => cursor, window_ms: () => Number(windowSelect.value) * 1000, seek };
}
