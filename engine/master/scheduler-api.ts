// The v1 scheduler API: the calls a framework POSTs and the events the master streams back, in the
// shapes of docs/protocol.md, "The scheduler API" (`{type, <lowercase type>: {...}}`).

import type { AcknowledgeOperationBody, ReconcileOperationsBody } from './operation-feedback.ts';
import type {
  Filters,
  FrameworkInfo,
  Id,
  InverseOffer,
  KillPolicy,
  MasterInfo,
  Offer,
  Operation,
  TaskStatus,
} from './v1.ts';

/** SUBSCRIBE: a new framework (no id), or a re-subscription (failover) with its id. */
export interface SubscribeCall {
  readonly type: 'SUBSCRIBE';
  readonly framework_id?: Id;
  readonly subscribe: { readonly framework_info: FrameworkInfo };
}

/** Calls every subscribed framework may make, each with its body under the lowercase type. */
export type FrameworkCall =
  | { readonly type: 'TEARDOWN'; readonly framework_id: Id }
  | {
      readonly type: 'ACCEPT';
      readonly framework_id: Id;
      readonly accept: {
        readonly offer_ids: readonly Id[];
        readonly operations?: readonly Operation[];
        readonly filters?: Filters;
      };
    }
  | {
      readonly type: 'DECLINE';
      readonly framework_id: Id;
      readonly decline: { readonly offer_ids: readonly Id[]; readonly filters?: Filters };
    }
  | {
      readonly type: 'REVIVE';
      readonly framework_id: Id;
      readonly revive?: { readonly roles?: readonly string[] };
    }
  | {
      readonly type: 'SUPPRESS';
      readonly framework_id: Id;
      readonly suppress?: { readonly roles?: readonly string[] };
    }
  | {
      readonly type: 'KILL';
      readonly framework_id: Id;
      readonly kill: { readonly task_id: Id; readonly agent_id?: Id; readonly kill_policy?: KillPolicy };
    }
  | {
      readonly type: 'SHUTDOWN';
      readonly framework_id: Id;
      readonly shutdown: { readonly executor_id: Id; readonly agent_id: Id };
    }
  | {
      readonly type: 'ACKNOWLEDGE';
      readonly framework_id: Id;
      readonly acknowledge: { readonly agent_id: Id; readonly task_id: Id; readonly uuid: string };
    }
  | {
      readonly type: 'RECONCILE';
      readonly framework_id: Id;
      readonly reconcile?: {
        readonly tasks?: ReadonlyArray<{ readonly task_id: Id; readonly agent_id?: Id }>;
      };
    }
  | {
      readonly type: 'MESSAGE';
      readonly framework_id: Id;
      readonly message: { readonly agent_id: Id; readonly executor_id: Id; readonly data: string };
    }
  | {
      readonly type: 'REQUEST';
      readonly framework_id: Id;
      readonly request?: { readonly requests?: readonly unknown[] };
    }
  | {
      readonly type: 'UPDATE_FRAMEWORK';
      readonly framework_id: Id;
      readonly update_framework: { readonly framework_info: FrameworkInfo };
    }
  | {
      readonly type: 'ACKNOWLEDGE_OPERATION_STATUS';
      readonly framework_id: Id;
      readonly acknowledge_operation_status?: AcknowledgeOperationBody;
    }
  | {
      readonly type: 'RECONCILE_OPERATIONS';
      readonly framework_id: Id;
      readonly reconcile_operations?: ReconcileOperationsBody;
    }
  | {
      readonly type: 'ACCEPT_INVERSE_OFFERS' | 'DECLINE_INVERSE_OFFERS';
      readonly framework_id: Id;
      readonly accept_inverse_offers?: InverseOffersBody;
      readonly decline_inverse_offers?: InverseOffersBody;
    };

/** The body of ACCEPT_INVERSE_OFFERS and DECLINE_INVERSE_OFFERS. */
export interface InverseOffersBody {
  readonly inverse_offer_ids: readonly Id[];
  readonly filters?: Filters;
}

/** Any scheduler call. */
export type SchedulerCall = SubscribeCall | FrameworkCall;

/** The events of the scheduler stream. */
export type SchedulerEvent =
  | {
      readonly type: 'SUBSCRIBED';
      readonly subscribed: {
        readonly framework_id: Id;
        readonly heartbeat_interval_seconds: number;
        readonly master_info: MasterInfo;
      };
    }
  | { readonly type: 'OFFERS'; readonly offers: { readonly offers: readonly Offer[] } }
  | { readonly type: 'RESCIND'; readonly rescind: { readonly offer_id: Id } }
  | { readonly type: 'UPDATE'; readonly update: { readonly status: TaskStatus } }
  | {
      readonly type: 'MESSAGE';
      readonly message: { readonly agent_id: Id; readonly executor_id: Id; readonly data: string };
    }
  | {
      readonly type: 'FAILURE';
      readonly failure: { readonly agent_id?: Id; readonly executor_id?: Id; readonly status?: number };
    }
  | { readonly type: 'ERROR'; readonly error: { readonly message: string } }
  | {
      readonly type: 'UPDATE_OPERATION_STATUS';
      readonly update_operation_status: { readonly status: Readonly<Record<string, unknown>> };
    }
  | {
      readonly type: 'INVERSE_OFFERS';
      readonly inverse_offers: { readonly inverse_offers: readonly InverseOffer[] };
    }
  | {
      readonly type: 'RESCIND_INVERSE_OFFER';
      readonly rescind_inverse_offer: { readonly inverse_offer_id: Id };
    }
  | { readonly type: 'HEARTBEAT' };
