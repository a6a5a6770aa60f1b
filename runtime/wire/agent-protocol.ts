// The messages between an agent and the master over the agent channel: a WebSocket at
// `agent_channel_path` on the master's port, one JSON object per text message.
//
// From the agent, each message is the engine's agent input without what the master fills in: the
// type loses its `agent_` prefix (`agent_status_update` -> `status_update`), and `agent_id`,
// `connection` and `ip` are left out (the master knows which agent a connection belongs to once it
// has answered `registered` or `reregistered` on it, and sees the peer's address itself).
//   register        {agent_info:{hostname, port?, resources (list or "cpus:4;mem:1024"), attributes?}, version?}
//   reregister      {agent_info:{id:{value}, ...}, tasks?, executors?, frameworks?, version?}
//   unregister      {}                                   graceful shutdown: the agent leaves at once
//   status_update   {framework_id, status: TaskStatus}   status.uuid set: the framework acknowledges it
//   pong            {}                                   the answer to a ping
//   executor_exited {framework_id, executor_id, status?}
//   executor_message {framework_id, executor_id, data (base64)}
// Only register and reregister may come before the agent has an id.
//
// From the master, each message is the engine's AgentMessage as it is (registered, reregistered,
// run_task, run_task_group, kill_task, acknowledge, reconcile_tasks, shutdown_framework,
// shutdown_executor, framework_message, apply_operation, ping, shutdown), plus `error` {message}
// when the master could not use something the agent sent (the master's state is unchanged by it).
//   apply_operation {framework_id:{value}, operation:{type, id?, reserve:{resources} | unreserve:
//                   {resources} | create:{volumes} | destroy:{volumes}}, resources}
//                   a RESERVE, UNRESERVE, CREATE or DESTROY applied to the agent's resources;
//                   `resources` is the agent's whole new total, which it checkpoints and reports
//                   when it registers again; CREATE makes each volume's directory, DESTROY removes it
import type { AgentMessage } from '../../engine/master/effects.ts';
import type {
  AgentExecutorExitedInput,
  AgentExecutorMessageInput,
  AgentRegisterInput,
  AgentReregisterInput,
  AgentStatusUpdateInput,
  MasterInput,
} from '../../engine/master/inputs.ts';
import { dropNulls, parseBoundedJson } from './json.ts';

/** Path of the agent channel's WebSocket on the master. */
export const agent_channel_path = '/api/v1/agent';

/** Registration of an agent without an id. */
export type RegisterMessage = { readonly type: 'register' } & Omit<
  AgentRegisterInput,
  'type' | 'connection' | 'ip'
>;

/** Re-registration of an agent that holds an id. */
export type ReregisterMessage = { readonly type: 'reregister' } & Omit<
  AgentReregisterInput,
  'type' | 'connection' | 'ip'
>;

/** A task status update. */
export type StatusUpdateMessage = { readonly type: 'status_update' } & Omit<
  AgentStatusUpdateInput,
  'type' | 'agent_id'
>;

/** An executor ended. */
export type ExecutorExitedMessage = { readonly type: 'executor_exited' } & Omit<
  AgentExecutorExitedInput,
  'type' | 'agent_id'
>;

/** A message from an executor to its scheduler. */
export type ExecutorMessageMessage = { readonly type: 'executor_message' } & Omit<
  AgentExecutorMessageInput,
  'type' | 'agent_id'
>;

/** Every message an agent sends to the master. */
export type AgentToMasterMessage =
  | RegisterMessage
  | ReregisterMessage
  | { readonly type: 'unregister' }
  | StatusUpdateMessage
  | { readonly type: 'pong' }
  | ExecutorExitedMessage
  | ExecutorMessageMessage;

/** Every message the master sends to an agent. */
export type MasterToAgentMessage = AgentMessage | { readonly type: 'error'; readonly message: string };

/** Where a message came from, as the master knows it. */
export interface AgentOrigin {
  /** The agent the connection belongs to, once registered. */
  readonly agent_id: string | undefined;
  /** The master's token for the connection. */
  readonly connection: string;
  /** The peer's IPv4 address, when it is one. */
  readonly ip: string | undefined;
}

/** A parsed message, or why it could not be used. */
export type ParsedAgentMessage = { readonly message: AgentToMasterMessage } | { readonly error: string };

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value !== '';
}

/** Why an agent_info is unusable, if it is (the engine checks the rest). */
function agentInfoError(info: unknown, needsId: boolean): string | undefined {
  if (!isObject(info)) return "'agent_info' must be an object";
  if (!isNonEmptyString(info.hostname)) return "'agent_info.hostname' must be a non-empty string";
  if (!Array.isArray(info.resources) && typeof info.resources !== 'string') {
    return "'agent_info.resources' must be a list of resources or resource text";
  }
  if (needsId && !(isObject(info.id) && isNonEmptyString(info.id.value))) {
    return "'agent_info.id' must be {value} with a non-empty value";
  }
  return undefined;
}

/** Why the body of a message of a known type is unusable, if it is. */
function bodyError(m: Json): string | undefined {
  switch (m.type) {
    case 'register':
      return agentInfoError(m.agent_info, false);
    case 'reregister': {
      const error = agentInfoError(m.agent_info, true);
      if (error !== undefined) return error;
      for (const name of ['tasks', 'executors', 'frameworks']) {
        if (m[name] !== undefined && !Array.isArray(m[name])) return `'${name}' must be a list`;
      }
      return undefined;
    }
    case 'unregister':
    case 'pong':
      return undefined;
    case 'status_update': {
      if (!isNonEmptyString(m.framework_id)) return "'framework_id' must be a non-empty string";
      const status = m.status;
      if (!isObject(status)) return "'status' must be a TaskStatus object";
      if (!(isObject(status.task_id) && isNonEmptyString(status.task_id.value))) {
        return "'status.task_id' must be {value} with a non-empty value";
      }
      if (typeof status.state !== 'string') return "'status.state' must be a task state name";
      return undefined;
    }
    case 'executor_exited':
    case 'executor_message': {
      if (!isNonEmptyString(m.framework_id)) return "'framework_id' must be a non-empty string";
      if (!isNonEmptyString(m.executor_id)) return "'executor_id' must be a non-empty string";
      if (m.type === 'executor_exited' && m.status !== undefined && !Number.isInteger(m.status)) {
        return "'status' must be an integer";
      }
      if (m.type === 'executor_message' && typeof m.data !== 'string') return "'data' must be base64 text";
      return undefined;
    }
    default:
      return `unknown message type '${String(m.type)}'`;
  }
}

/** Parses one message from an agent (JSON text), checking its shape. */
export function parseAgentMessage(text: string): ParsedAgentMessage {
  let value: unknown;
  try {
    value = parseBoundedJson(text);
  } catch (err) {
    return { error: `message is not JSON: ${(err as Error).message}` };
  }
  const m = dropNulls(value);
  if (!isObject(m)) return { error: 'message must be a JSON object' };
  if (typeof m.type !== 'string') return { error: "message must have a string 'type'" };
  const error = bodyError(m);
  if (error !== undefined) return { error: `${m.type}: ${error}` };
  return { message: m as unknown as AgentToMasterMessage };
}

/** The engine input of a message, or an error when the message needs a registered agent and has none. */
export function agentInputOf(
  message: AgentToMasterMessage,
  origin: AgentOrigin,
): { readonly input: MasterInput } | { readonly error: string } {
  const ip = origin.ip === undefined ? {} : { ip: origin.ip };
  if (message.type === 'register') {
    const { type: _type, ...body } = message;
    return { input: { ...body, type: 'agent_register', connection: origin.connection, ...ip } };
  }
  if (message.type === 'reregister') {
    const { type: _type, ...body } = message;
    return { input: { ...body, type: 'agent_reregister', connection: origin.connection, ...ip } };
  }
  const agent_id = origin.agent_id;
  if (agent_id === undefined) return { error: `${message.type}: the agent must register first` };
  switch (message.type) {
    case 'unregister':
      return { input: { type: 'agent_unregister', agent_id } };
    case 'pong':
      return { input: { type: 'agent_pong', agent_id } };
    case 'status_update':
      return {
        input: {
          type: 'agent_status_update',
          agent_id,
          framework_id: message.framework_id,
          status: message.status,
        },
      };
    case 'executor_exited':
      return {
        input: {
          type: 'agent_executor_exited',
          agent_id,
          framework_id: message.framework_id,
          executor_id: message.executor_id,
          ...(message.status === undefined ? {} : { status: message.status }),
        },
      };
    case 'executor_message':
      return {
        input: {
          type: 'agent_executor_message',
          agent_id,
          framework_id: message.framework_id,
          executor_id: message.executor_id,
          data: message.data,
        },
      };
  }
}
