// What the simulator's event queue holds: messages in flight (each tagged with the epoch of the
// master that sent it or that it was sent to, so that nothing crosses a failover), timers of the
// master, agents and schedulers, task ends, faults, job submissions and metric samples.
import type { AgentMessage } from '../engine/master/effects.ts';
import type { MasterInput } from '../engine/master/inputs.ts';
import type { SchedulerEvent } from '../engine/master/scheduler-api.ts';
import type { Job } from '../workloads/job.ts';
import type { AgentNode } from './cluster.ts';
import type { SimLogic } from './logic.ts';
import type { SimScheduler, WakeReason } from './scheduler.ts';

/** A framework of the run: its scheduler, its logic and its jobs. */
export interface FrameworkRun {
  readonly scheduler: SimScheduler;
  readonly logic: SimLogic;
  readonly jobs: readonly Job[];
  /** Index of the next job to submit. */
  next: number;
  /** A finite launcher's demand has been met. */
  ended: boolean;
}

/** One entry of the event queue. */
export type SimItem =
  | { readonly kind: 'to_master'; readonly epoch: number; readonly input: MasterInput }
  | {
      readonly kind: 'to_agent';
      readonly epoch: number;
      readonly node: AgentNode;
      readonly message: AgentMessage;
    }
  | {
      readonly kind: 'to_framework';
      readonly epoch: number;
      readonly scheduler: SimScheduler;
      readonly stream_id: string;
      /** The event; undefined when the master closed the stream. */
      readonly event: SchedulerEvent | undefined;
    }
  | { readonly kind: 'master_timer'; readonly key: string }
  | {
      readonly kind: 'task_end';
      readonly node: AgentNode;
      readonly framework_id: string;
      readonly task_id: string;
    }
  | { readonly kind: 'scheduler'; readonly scheduler: SimScheduler; readonly reason: WakeReason }
  | { readonly kind: 'agent_tick'; readonly node: AgentNode }
  | {
      readonly kind: 'agent_fault';
      readonly node: AgentNode;
      readonly what: 'crash' | 'partition' | 'recover';
    }
  | { readonly kind: 'random_failure' }
  | { readonly kind: 'master_fail' }
  | { readonly kind: 'master_recover' }
  | { readonly kind: 'submit'; readonly framework: FrameworkRun }
  | { readonly kind: 'sample' }
  | { readonly kind: 'check' };

/** Counts of what happened, for the summary. */
export interface SimCounts {
  events: number;
  master_steps: number;
  dropped_to_dead_master: number;
  dropped_from_old_master: number;
  call_errors: number;
  agent_crashes: number;
  agent_partitions: number;
  agent_recoveries: number;
  agent_restarts: number;
  master_failovers: number;
}

/** Zero counts. */
export function zeroCounts(): SimCounts {
  return {
    events: 0,
    master_steps: 0,
    dropped_to_dead_master: 0,
    dropped_from_old_master: 0,
    call_errors: 0,
    agent_crashes: 0,
    agent_partitions: 0,
    agent_recoveries: 0,
    agent_restarts: 0,
    master_failovers: 0,
  };
}
