// What the master shows of maintenance: the schedule, the cluster's maintenance status (DRAINING
// machines with their frameworks' latest answers to inverse offers, DOWN machines), and the
// outstanding inverse offers, in the v1 shapes of GET_MAINTENANCE_SCHEDULE and
// GET_MAINTENANCE_STATUS. Empty lists are left out, as protobuf's JSON leaves them out.
import { agentMachineKey } from './machines.ts';
import type { InverseOfferRecord, MasterState } from './state.ts';
import type { InverseOfferStatus, MachineID, MaintenanceSchedule } from './v1.ts';

/** A draining machine and the latest answers of the frameworks on its agents. */
export interface DrainingMachine {
  readonly id: MachineID;
  readonly statuses?: readonly InverseOfferStatus[];
}

/** The maintenance status of the cluster (Mesos's maintenance ClusterStatus). */
export interface MaintenanceStatus {
  readonly draining_machines?: readonly DrainingMachine[];
  readonly down_machines?: readonly MachineID[];
}

/** The schedule as the operator set it (machines brought up taken out). */
export function maintenanceScheduleOf(state: MasterState): MaintenanceSchedule {
  const windows = state.maintenance.windows;
  return windows.length === 0 ? {} : { windows };
}

/** The maintenance status: machines by mode, in the order they were scheduled. */
export function maintenanceStatusOf(state: MasterState): MaintenanceStatus {
  const m = state.maintenance;
  const draining: DrainingMachine[] = [];
  const down: MachineID[] = [];
  if (m.machines.size === 0) return {};
  const statusesByMachine = new Map<string, InverseOfferStatus[]>();
  for (const [agentId, statuses] of m.statuses) {
    const agent = state.agents.get(agentId);
    if (agent === undefined || statuses.size === 0) continue;
    const key = agentMachineKey(agent);
    const list = statusesByMachine.get(key) ?? [];
    statusesByMachine.set(key, list);
    list.push(...statuses.values());
  }
  for (const [key, machine] of m.machines) {
    if (machine.mode === 'DOWN') {
      down.push(machine.id);
      continue;
    }
    const statuses = statusesByMachine.get(key);
    draining.push(statuses === undefined ? { id: machine.id } : { id: machine.id, statuses });
  }
  return {
    ...(draining.length === 0 ? {} : { draining_machines: draining }),
    ...(down.length === 0 ? {} : { down_machines: down }),
  };
}

/** The outstanding inverse offers, oldest first. */
export function inverseOffersOf(state: MasterState): InverseOfferRecord[] {
  return [...state.maintenance.inverseOffers.values()];
}
