// Task texts kept from one state page to the next: a page copies the texts of unchanged tasks, writes
// changed ones anew, and forgets the tasks it no longer shows, so the kept texts never outgrow the
// tasks the master still holds.
import { describe, expect, it } from 'vitest';
import type { TaskView } from '../../engine/master/view.ts';
import { JsonWriter } from '../../runtime/master/json-writer.ts';
import { TaskTexts } from '../../runtime/master/task-texts.ts';

/** A task view with just what the texts look at (its state and number of statuses) and a name. */
function task(name: string, state = 'TASK_RUNNING', statuses = 1): TaskView {
  return { name, state, statuses: new Array(statuses).fill({}) } as unknown as TaskView;
}

/** Writes one page of the tasks as a JSON list; returns its text and how many were written anew. */
function page(texts: TaskTexts, tasks: readonly TaskView[]): { text: string; written: number } {
  const w = new JsonWriter(Buffer.alloc(1024));
  let written = 0;
  texts.beginPage();
  w.raw('[');
  texts.writeItems(w, tasks, (out, t) => {
    written++;
    out.raw(`{"name":"${(t as unknown as { name: string }).name}","state":"${t.state}"}`);
  });
  w.raw(']');
  texts.endPage();
  return { text: w.bytes().toString('utf8'), written };
}

describe('TaskTexts', () => {
  it('copies unchanged tasks, rewrites changed ones, and forgets tasks no page shows any more', () => {
    const texts = new TaskTexts();
    const [a, b, c] = [task('a'), task('b'), task('c')];
    const first = page(texts, [a, b, c]);
    expect(JSON.parse(first.text).map((t: { name: string }) => t.name)).toEqual(['a', 'b', 'c']);
    expect(first.written).toBe(3);
    expect(texts.kept).toBe(3);

    const again = page(texts, [a, b, c]);
    expect(again.text).toBe(first.text);
    expect(again.written).toBe(0);

    const b2 = task('b', 'TASK_FINISHED', 2);
    const changed = page(texts, [b2, c]);
    expect(JSON.parse(changed.text)).toEqual([
      { name: 'b', state: 'TASK_FINISHED' },
      { name: 'c', state: 'TASK_RUNNING' },
    ]);
    expect(changed.written).toBe(1);
    // a and the old view of b are gone from every page: their texts are dropped.
    expect(texts.kept).toBe(2);

    expect(page(texts, []).text).toBe('[]');
    expect(texts.kept).toBe(0);
  });
});
