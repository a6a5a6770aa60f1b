// The master's invariants find each kind of broken state view, and a healthy one passes.
import { describe, expect, it } from 'vitest';
import { masterInvariantViolations } from '../../engine/master/invariants.ts';
import type { MasterStateView } from '../../engine/master/view.ts';
import { allocate, parseResources } from '../../engine/resources.ts';

const cpus = (n: number) => allocate(parseResources(`cpus:${n}`), '*');

/** A view of one agent S0 (2 cpus) and one framework F, with the parts a case changes. */
function view(agent: object, framework: object): MasterStateView {
  return {
    agents: [
      {
        id: 'S0',
        active: true,
        resources: parseResources('cpus:2;mem:1024'),
        used_resources: [],
        offered_resources: [],
        ...agent,
      },
    ],
    unreachable_agents: [{ id: 'S9' }],
    frameworks: [
      { id: 'F', connected: true, offers: [], tasks: [], unreachable_tasks: [], executors: [], ...framework },
    ],
    maintenance: { machines: [], inverse_offers: [] },
  } as unknown as MasterStateView;
}

const task = (id: string, agent: string, state: string, n: number) => ({
  task_id: id,
  agent_id: agent,
  state,
  resources: cpus(n),
});
const offer = (id: string, owner = 'F') => ({ id, framework_id: owner, agent_id: 'S0', resources: cpus(1) });

describe('master invariants', () => {
  it('hold for a view whose books agree (terminal tasks hold nothing)', () => {
    const tasks = [task('t1', 'S0', 'TASK_RUNNING', 1), task('t2', 'S0', 'TASK_FINISHED', 1)];
    const executors = [{ agent_id: 'S0', resources: cpus(0.5) }];
    expect(masterInvariantViolations(view({ used_resources: cpus(1.5) }, { tasks, executors }))).toEqual([]);
  });

  it('find resources used and offered beyond an agent, and offers on an inactive agent', () => {
    const problems = masterInvariantViolations(
      view(
        { active: false, used_resources: cpus(2), offered_resources: cpus(1) },
        { tasks: [task('t1', 'S0', 'TASK_RUNNING', 2)], offers: [offer('O1')] },
      ),
    );
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/offer O1 is on agent S0, which is not active/);
    expect(problems[1]).toMatch(/agent S0: used and offered .* exceed/);
  });

  it('find use that differs from what live tasks hold', () => {
    const problems = masterInvariantViolations(view({ used_resources: cpus(1) }, {}));
    expect(problems).toEqual([
      expect.stringMatching(
        /agent S0: counts cpus\(allocated:\*\):1 used, its live tasks and executors hold nothing/,
      ),
    ]);
  });

  it('find an offer twice, under another framework, or to a disconnected framework', () => {
    const problems = masterInvariantViolations(
      view({}, { connected: false, offers: [offer('O1'), offer('O1'), offer('O2', 'G')] }),
    );
    expect(problems.filter((p) => /outstanding twice/.test(p))).toHaveLength(1);
    expect(problems.filter((p) => /O2 is listed under another framework/.test(p))).toHaveLength(1);
    expect(problems.filter((p) => /not connected/.test(p))).toHaveLength(3);
  });

  it('find tasks on agents it does not know, and unreachable tasks on reachable agents', () => {
    const problems = masterInvariantViolations(
      view(
        {},
        {
          tasks: [task('t1', 'S7', 'TASK_RUNNING', 1)],
          unreachable_tasks: [
            task('t2', 'S0', 'TASK_UNREACHABLE', 1),
            task('t3', 'S9', 'TASK_UNREACHABLE', 1),
          ],
        },
      ),
    );
    expect(problems).toEqual([
      'task t1 is on agent S7, which is not registered',
      'unreachable task t2 is on a reachable agent',
    ]);
  });
});

describe('maintenance invariants', () => {
  it('find an agent on a DOWN machine and inverse offers that should not be outstanding', () => {
    const machine = { id: { hostname: 'h', ip: '10.0.0.1' }, mode: 'DOWN' };
    const inverse = { id: 'I1', framework_id: 'G', agent_id: 'S0' };
    const v = {
      ...view({ hostname: 'H', ip: '10.0.0.1' }, {}),
      maintenance: { machines: [machine], inverse_offers: [inverse, inverse] },
    } as unknown as MasterStateView;
    expect(masterInvariantViolations(v)).toEqual([
      'agent S0 is registered on a machine that is DOWN',
      'inverse offer I1 is outstanding to G, which is not connected',
      'inverse offer I1 is about agent S0, whose machine is not DRAINING',
      'two inverse offers to G about agent S0',
      'inverse offer I1 is outstanding to G, which is not connected',
      'inverse offer I1 is about agent S0, whose machine is not DRAINING',
    ]);
  });
});
