// scheduler.proto as text, in a module so that it travels with the code however the code is built.
// protobufjs parses it at first use (runtime/wire/protobuf.ts).
export const scheduler_proto = `// The v1 scheduler API's Call and Event (Mesos's scheduler.proto), as meso takes and sends them.
syntax = "proto2";

package mesos.v1.scheduler;

import "mesos.proto";

message Event {
  enum Type {
    UNKNOWN = 0;
    SUBSCRIBED = 1;
    OFFERS = 2;
    INVERSE_OFFERS = 9;
    RESCIND = 3;
    RESCIND_INVERSE_OFFER = 10;
    UPDATE = 4;
    UPDATE_OPERATION_STATUS = 11;
    MESSAGE = 5;
    FAILURE = 6;
    ERROR = 7;
    HEARTBEAT = 8;
  }
  message Subscribed {
    required FrameworkID framework_id = 1;
    optional double heartbeat_interval_seconds = 2;
    optional MasterInfo master_info = 3;
  }
  message Offers { repeated Offer offers = 1; }
  message InverseOffers { repeated InverseOffer inverse_offers = 1; }
  message Rescind { required OfferID offer_id = 1; }
  message RescindInverseOffer { required OfferID inverse_offer_id = 1; }
  message Update { required TaskStatus status = 1; }
  message UpdateOperationStatus { required OperationStatus status = 1; }
  message Message {
    required AgentID agent_id = 1;
    required ExecutorID executor_id = 2;
    required bytes data = 3;
  }
  message Failure {
    optional AgentID agent_id = 1;
    optional ExecutorID executor_id = 2;
    optional int32 status = 3;
  }
  message Error { required string message = 1; }
  optional Type type = 1;
  optional Subscribed subscribed = 2;
  optional Offers offers = 3;
  optional InverseOffers inverse_offers = 9;
  optional Rescind rescind = 4;
  optional RescindInverseOffer rescind_inverse_offer = 10;
  optional Update update = 5;
  optional UpdateOperationStatus update_operation_status = 11;
  optional Message message = 6;
  optional Failure failure = 7;
  optional Error error = 8;
}

message Call {
  enum Type {
    UNKNOWN = 0;
    SUBSCRIBE = 1;
    TEARDOWN = 2;
    ACCEPT = 3;
    DECLINE = 4;
    ACCEPT_INVERSE_OFFERS = 13;
    DECLINE_INVERSE_OFFERS = 14;
    REVIVE = 5;
    KILL = 6;
    SHUTDOWN = 7;
    ACKNOWLEDGE = 8;
    ACKNOWLEDGE_OPERATION_STATUS = 15;
    RECONCILE = 9;
    RECONCILE_OPERATIONS = 16;
    MESSAGE = 10;
    REQUEST = 11;
    SUPPRESS = 12;
    UPDATE_FRAMEWORK = 17;
  }
  message Subscribe {
    required FrameworkInfo framework_info = 1;
    repeated string suppressed_roles = 2;
  }
  message Accept {
    repeated OfferID offer_ids = 1;
    repeated Offer.Operation operations = 2;
    optional Filters filters = 3;
  }
  message Decline {
    repeated OfferID offer_ids = 1;
    optional Filters filters = 2;
  }
  message AcceptInverseOffers {
    repeated OfferID inverse_offer_ids = 1;
    optional Filters filters = 2;
  }
  message DeclineInverseOffers {
    repeated OfferID inverse_offer_ids = 1;
    optional Filters filters = 2;
  }
  message Revive { repeated string roles = 1; }
  message Suppress { repeated string roles = 1; }
  message Kill {
    required TaskID task_id = 1;
    optional AgentID agent_id = 2;
    optional KillPolicy kill_policy = 3;
  }
  message Shutdown {
    required ExecutorID executor_id = 1;
    required AgentID agent_id = 2;
  }
  message Acknowledge {
    required AgentID agent_id = 1;
    required TaskID task_id = 2;
    required bytes uuid = 3;
  }
  message AcknowledgeOperationStatus {
    optional AgentID agent_id = 1;
    optional ResourceProviderID resource_provider_id = 2;
    required bytes uuid = 3;
    required OperationID operation_id = 4;
  }
  message Reconcile {
    message Task {
      required TaskID task_id = 1;
      optional AgentID agent_id = 2;
    }
    repeated Task tasks = 1;
  }
  message ReconcileOperations {
    message Operation {
      required OperationID operation_id = 1;
      optional AgentID agent_id = 2;
      optional ResourceProviderID resource_provider_id = 3;
    }
    repeated Operation operations = 1;
  }
  message Message {
    required AgentID agent_id = 1;
    required ExecutorID executor_id = 2;
    required bytes data = 3;
  }
  message Request { repeated mesos.v1.Request requests = 1; }
  message UpdateFramework {
    required FrameworkInfo framework_info = 1;
    repeated string suppressed_roles = 2;
  }
  optional FrameworkID framework_id = 1;
  optional Type type = 2;
  optional Subscribe subscribe = 3;
  optional Accept accept = 4;
  optional Decline decline = 5;
  optional AcceptInverseOffers accept_inverse_offers = 13;
  optional DeclineInverseOffers decline_inverse_offers = 14;
  optional Revive revive = 15;
  optional Kill kill = 6;
  optional Shutdown shutdown = 7;
  optional Acknowledge acknowledge = 8;
  optional AcknowledgeOperationStatus acknowledge_operation_status = 17;
  optional Reconcile reconcile = 9;
  optional ReconcileOperations reconcile_operations = 18;
  optional Message message = 10;
  optional Request request = 11;
  optional Suppress suppress = 16;
  optional UpdateFramework update_framework = 19;
}
`;
