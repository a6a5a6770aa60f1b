// Maintenance, as Mesos's operator calls: UPDATE_MAINTENANCE_SCHEDULE puts every scheduled machine
// in DRAINING mode (offers on its agents carry the unavailability, their frameworks get inverse
// offers), START_MAINTENANCE takes DRAINING machines DOWN (their agents shut down and removed, and
// kept from registering), STOP_MAINTENANCE brings DOWN machines UP and out of the schedule. A bad
// schedule or machine list answers 400 and changes nothing. Modes change only when asked: the
// unavailability passing does nothing by itself.
import { removeAgent } from './agent-removal.ts';
import { type Ctx, callError, sendAgent } from './context.ts';
import { resetAgentMaintenance } from './inverse-offers.ts';
import { agentMachineKey, machineKey } from './machines.ts';
import { rescindAgentOffers } from './offers.ts';
import type { RegistrySnapshot } from './options.ts';
import type { AgentRecord, MachineRecord } from './state.ts';
import type { MachineID, MaintenanceSchedule, MaintenanceWindow, Unavailability } from './v1.ts';

/** A machine id as messages show it (the JSON of the MachineID). */
export function showMachine(id: MachineID): string {
  const shown: Record<string, string> = {};
  if (id.hostname !== undefined) shown.hostname = id.hostname;
  if (id.ip !== undefined) shown.ip = id.ip;
  return JSON.stringify(shown);
}

const ipv4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** Why one machine id is unusable, if it is. */
function machineError(id: unknown): string | undefined {
  if (id === null || typeof id !== 'object' || Array.isArray(id))
    return 'a machine must be an object {hostname, ip}';
  const m = id as { hostname?: unknown; ip?: unknown };
  if (m.hostname !== undefined && typeof m.hostname !== 'string')
    return 'a machine hostname must be a string';
  if (m.ip !== undefined && typeof m.ip !== 'string') return 'a machine ip must be a string';
  if ((m.hostname ?? '') === '' && (m.ip ?? '') === '')
    return `machine ${showMachine(m as MachineID)} has neither a hostname nor an ip`;
  if (m.ip !== undefined && m.ip !== '' && !ipv4.test(m.ip))
    return `machine ${showMachine(m as MachineID)}: '${m.ip}' is not an IPv4 address`;
  return undefined;
}

/** Why a list of machines is unusable (empty, a bad machine, one named twice), if it is. */
export function machinesError(ids: unknown): string | undefined {
  if (!Array.isArray(ids)) return 'machines must be a list of {hostname, ip}';
  if (ids.length === 0) return 'the list of machines is empty';
  const seen = new Set<string>();
  for (const id of ids) {
    const error = machineError(id);
    if (error !== undefined) return error;
    const key = machineKey(id as MachineID);
    if (seen.has(key)) return `machine ${showMachine(id as MachineID)} is listed twice`;
    seen.add(key);
  }
  return undefined;
}

/** Why an unavailability is unusable (a start and, if given, a duration, in ns, not negative). */
function unavailabilityError(u: unknown, where: string): string | undefined {
  const v = u as Unavailability | undefined;
  if (v === null || typeof v !== 'object')
    return `${where}: the window needs an unavailability {start, duration}`;
  const start = v.start?.nanoseconds;
  if (typeof start !== 'number' || !Number.isFinite(start))
    return `${where}: unavailability.start.nanoseconds must be a number`;
  if (start < 0) return `${where}: unavailability.start must not be negative`;
  if (v.duration !== undefined) {
    const duration = v.duration?.nanoseconds;
    if (typeof duration !== 'number' || !Number.isFinite(duration))
      return `${where}: unavailability.duration.nanoseconds must be a number`;
    if (duration < 0) return `${where}: unavailability.duration must not be negative`;
  }
  return undefined;
}

/** Why a schedule is unusable, as Mesos checks it; `machines` are those in maintenance now. */
export function scheduleError(
  schedule: unknown,
  machines: ReadonlyMap<string, MachineRecord>,
): string | undefined {
  if (schedule === null || typeof schedule !== 'object' || Array.isArray(schedule))
    return 'the schedule must be an object {windows: [...]}';
  const windows = (schedule as MaintenanceSchedule).windows ?? [];
  if (!Array.isArray(windows)) return 'schedule.windows must be a list of windows';
  const scheduled = new Set<string>();
  for (const [i, window] of windows.entries()) {
    const where = `window ${i}`;
    if (window === null || typeof window !== 'object') return `${where} must be an object`;
    const ids = (window as MaintenanceWindow).machine_ids;
    if (!Array.isArray(ids) || ids.length === 0) return `${where} lists no machines`;
    const error = unavailabilityError(window.unavailability, where) ?? machinesError(ids);
    if (error !== undefined) return error;
    for (const id of ids) {
      const key = machineKey(id);
      if (scheduled.has(key)) return `machine ${showMachine(id)} appears more than once in the schedule`;
      scheduled.add(key);
    }
  }
  for (const [key, machine] of machines) {
    if (machine.mode === 'DOWN' && !scheduled.has(key)) {
      return `machine ${showMachine(machine.id)} is DOWN and cannot leave the schedule: bring it up first (STOP_MAINTENANCE)`;
    }
  }
  return undefined;
}

/** The registered agents on a machine. */
function agentsOn(ctx: Ctx, key: string): AgentRecord[] {
  const out: AgentRecord[] = [];
  for (const agent of ctx.state.agents.values()) if (agentMachineKey(agent) === key) out.push(agent);
  return out;
}

/** A machine's unavailability changed (or ended): offers and inverse offers on its agents are taken back. */
function unavailabilityChanged(ctx: Ctx, key: string): void {
  for (const agent of agentsOn(ctx, key)) {
    rescindAgentOffers(ctx, agent, 'the maintenance schedule changed');
    resetAgentMaintenance(ctx, agent.id);
  }
}

/** The registry change recording the schedule and the DOWN machines. */
function recordMaintenance(ctx: Ctx): void {
  const m = ctx.state.maintenance;
  const down: MachineID[] = [];
  for (const machine of m.machines.values()) if (machine.mode === 'DOWN') down.push(machine.id);
  ctx.out.push({ type: 'registry', op: 'maintenance_updated', windows: m.windows, down_machines: down });
}

/** A copy of a window with only the fields maintenance keeps. */
function copyWindow(w: MaintenanceWindow): MaintenanceWindow {
  const u = w.unavailability;
  return {
    machine_ids: w.machine_ids.map((id) => ({
      ...(id.hostname === undefined ? {} : { hostname: id.hostname }),
      ...(id.ip === undefined ? {} : { ip: id.ip }),
    })),
    unavailability: {
      start: { nanoseconds: u.start.nanoseconds },
      ...(u.duration === undefined ? {} : { duration: { nanoseconds: u.duration.nanoseconds } }),
    },
  };
}

/** UPDATE_MAINTENANCE_SCHEDULE: the new schedule replaces the old one. */
export function updateMaintenanceSchedule(ctx: Ctx, schedule: MaintenanceSchedule): void {
  const m = ctx.state.maintenance;
  const error = scheduleError(schedule, m.machines);
  if (error !== undefined) {
    callError(ctx, 400, error);
    return;
  }
  const windows = (schedule.windows ?? []).map(copyWindow);
  const updated = new Map<string, { id: MachineID; unavailability: Unavailability }>();
  for (const w of windows)
    for (const id of w.machine_ids) updated.set(machineKey(id), { id, unavailability: w.unavailability });
  // Machines already in maintenance take their new unavailability, or leave (UP) when unscheduled.
  for (const [key, machine] of [...m.machines]) {
    const next = updated.get(key);
    if (next === undefined) m.machines.delete(key);
    else machine.unavailability = next.unavailability;
    unavailabilityChanged(ctx, key);
  }
  for (const [key, { id, unavailability }] of updated) {
    if (m.machines.has(key)) continue;
    m.machines.set(key, { id, mode: 'DRAINING', unavailability });
    unavailabilityChanged(ctx, key);
  }
  m.windows = windows;
  recordMaintenance(ctx);
}

/** Checks that every listed machine is in maintenance and in `mode`; answers 400 when one is not. */
function checkModes(ctx: Ctx, machines: unknown, mode: MachineRecord['mode']): MachineID[] | undefined {
  const error = machinesError(machines);
  if (error !== undefined) {
    callError(ctx, 400, error);
    return undefined;
  }
  const ids = machines as MachineID[];
  for (const id of ids) {
    const machine = ctx.state.maintenance.machines.get(machineKey(id));
    if (machine === undefined) {
      callError(ctx, 400, `machine ${showMachine(id)} is not part of the maintenance schedule`);
      return undefined;
    }
    if (machine.mode !== mode) {
      callError(ctx, 400, `machine ${showMachine(id)} is ${machine.mode}, not ${mode}`);
      return undefined;
    }
  }
  return ids;
}

/** START_MAINTENANCE: DRAINING machines go DOWN; their agents are shut down and removed. */
export function startMaintenance(ctx: Ctx, machines: readonly MachineID[]): void {
  const ids = checkModes(ctx, machines, 'DRAINING');
  if (ids === undefined) return;
  for (const id of ids) {
    const key = machineKey(id);
    for (const agent of agentsOn(ctx, key)) {
      resetAgentMaintenance(ctx, agent.id);
      sendAgent(ctx, agent, { type: 'shutdown', message: 'The machine is going DOWN for maintenance' });
      removeAgent(ctx, agent, 'its machine went DOWN for maintenance', false);
    }
    ctx.state.maintenance.machines.get(key)!.mode = 'DOWN';
  }
  recordMaintenance(ctx);
}

/** STOP_MAINTENANCE: DOWN machines come UP and leave the schedule (windows left empty go too). */
export function stopMaintenance(ctx: Ctx, machines: readonly MachineID[]): void {
  const ids = checkModes(ctx, machines, 'DOWN');
  if (ids === undefined) return;
  const m = ctx.state.maintenance;
  const up = new Set(ids.map(machineKey));
  for (const key of up) m.machines.delete(key);
  m.windows = m.windows
    .map((w) => ({ ...w, machine_ids: w.machine_ids.filter((id) => !up.has(machineKey(id))) }))
    .filter((w) => w.machine_ids.length > 0);
  recordMaintenance(ctx);
}

/** Why an agent on a DOWN machine may not (re-)register, or undefined when it may. */
export function maintenanceRefusal(
  ctx: Ctx,
  agent: Pick<AgentRecord, 'hostname' | 'ip'>,
): string | undefined {
  const machines = ctx.state.maintenance.machines;
  if (machines.size === 0 || machines.get(agentMachineKey(agent))?.mode !== 'DOWN') return undefined;
  return `Agent ${agent.hostname} (${agent.ip}) may not register: its machine is DOWN for maintenance`;
}

/** Restores the schedule and modes a registry held. */
export function recoverMaintenance(ctx: Ctx, recovered: RegistrySnapshot['maintenance']): void {
  if (recovered === undefined) return;
  const m = ctx.state.maintenance;
  m.windows = recovered.windows.map(copyWindow);
  const down = new Set(recovered.down_machines.map(machineKey));
  for (const w of m.windows) {
    for (const id of w.machine_ids) {
      const key = machineKey(id);
      m.machines.set(key, {
        id,
        mode: down.has(key) ? 'DOWN' : 'DRAINING',
        unavailability: w.unavailability,
      });
    }
  }
}
