// mesos.proto as text, in a module so that it travels with the code however the code is built.
// protobufjs parses it at first use (runtime/wire/protobuf.ts).
export const mesos_proto = `// The Mesos v1 messages meso takes or sends over protobuf (application/x-protobuf), in proto2 as
// Mesos defines them. Field names, numbers, types and enum values are the wire contract and are
// Mesos's own; this file keeps only the messages and fields meso's scheduler and executor APIs
// carry. Fields a peer sends that are not listed here are skipped when a body is decoded.
// The JSON checks of the calls are derived from the same definitions (runtime/wire/schema.ts).
syntax = "proto2";

package mesos.v1;

message FrameworkID { required string value = 1; }
message OfferID { required string value = 1; }
message AgentID { required string value = 1; }
message TaskID { required string value = 1; }
message ExecutorID { required string value = 1; }
message ResourceProviderID { required string value = 1; }
message OperationID { required string value = 1; }
message ContainerID {
  required string value = 1;
  optional ContainerID parent = 2;
}

message TimeInfo { required int64 nanoseconds = 1; }
message DurationInfo { required int64 nanoseconds = 1; }
message UUID { required bytes value = 1; }

message Address {
  optional string hostname = 1;
  optional string ip = 2;
  required int32 port = 3;
}

message Parameter {
  required string key = 1;
  required string value = 2;
}
message Parameters { repeated Parameter parameter = 1; }

message URL {
  required string scheme = 1;
  required Address address = 2;
  optional string path = 3;
  repeated Parameter query = 4;
  optional string fragment = 5;
}

message Label {
  required string key = 1;
  optional string value = 2;
}
message Labels { repeated Label labels = 1; }

message MachineID {
  optional string hostname = 1;
  optional string ip = 2;
}

message Unavailability {
  required TimeInfo start = 1;
  optional DurationInfo duration = 2;
}

message Value {
  enum Type {
    SCALAR = 0;
    RANGES = 1;
    SET = 2;
    TEXT = 3;
  }
  message Scalar { required double value = 1; }
  message Range {
    required uint64 begin = 1;
    required uint64 end = 2;
  }
  message Ranges { repeated Range range = 1; }
  message Set { repeated string item = 1; }
  message Text { required string value = 1; }
  required Type type = 1;
  optional Scalar scalar = 2;
  optional Ranges ranges = 3;
  optional Set set = 4;
  optional Text text = 5;
}

message Attribute {
  required string name = 1;
  required Value.Type type = 2;
  optional Value.Scalar scalar = 3;
  optional Value.Ranges ranges = 4;
  optional Value.Set set = 6;
  optional Value.Text text = 5;
}

message Resource {
  message AllocationInfo { optional string role = 1; }
  message ReservationInfo {
    enum Type {
      UNKNOWN = 0;
      STATIC = 1;
      DYNAMIC = 2;
    }
    optional Type type = 4;
    optional string role = 3;
    optional string principal = 1;
    optional Labels labels = 2;
  }
  message DiskInfo {
    message Persistence {
      required string id = 1;
      optional string principal = 2;
    }
    message Source {
      enum Type {
        UNKNOWN = 0;
        PATH = 1;
        MOUNT = 2;
        BLOCK = 3;
        RAW = 4;
      }
      message Path { optional string root = 1; }
      message Mount { optional string root = 1; }
      required Type type = 1;
      optional Path path = 2;
      optional Mount mount = 3;
      optional string vendor = 7;
      optional string id = 4;
      optional Labels metadata = 5;
      optional string profile = 6;
    }
    optional Persistence persistence = 1;
    optional Volume volume = 2;
    optional Source source = 3;
  }
  message RevocableInfo {}
  message SharedInfo {}
  optional ResourceProviderID provider_id = 12;
  required string name = 1;
  required Value.Type type = 2;
  optional Value.Scalar scalar = 3;
  optional Value.Ranges ranges = 4;
  optional Value.Set set = 5;
  optional string role = 6;
  optional AllocationInfo allocation_info = 11;
  optional ReservationInfo reservation = 8;
  repeated ReservationInfo reservations = 13;
  optional DiskInfo disk = 7;
  optional RevocableInfo revocable = 9;
  optional SharedInfo shared = 10;
}

message Image {
  enum Type {
    APPC = 1;
    DOCKER = 2;
  }
  message Appc {
    required string name = 1;
    optional string id = 2;
    optional Labels labels = 3;
  }
  message Docker { required string name = 1; }
  required Type type = 1;
  optional Appc appc = 2;
  optional Docker docker = 3;
  optional bool cached = 4;
}

message Volume {
  enum Mode {
    RW = 1;
    RO = 2;
  }
  message Source {
    enum Type {
      UNKNOWN = 0;
      DOCKER_VOLUME = 1;
      HOST_PATH = 4;
      SANDBOX_PATH = 2;
      SECRET = 3;
      CSI_VOLUME = 5;
    }
    message DockerVolume {
      optional string driver = 1;
      required string name = 2;
      optional Parameters driver_options = 3;
    }
    message HostPath { required string path = 1; }
    message SandboxPath {
      enum Type {
        UNKNOWN = 0;
        SELF = 1;
        PARENT = 2;
      }
      optional Type type = 1;
      required string path = 2;
    }
    optional Type type = 1;
    optional DockerVolume docker_volume = 2;
    optional HostPath host_path = 5;
    optional SandboxPath sandbox_path = 3;
  }
  required Mode mode = 3;
  required string container_path = 1;
  optional string host_path = 2;
  optional Image image = 4;
  optional Source source = 5;
}

message NetworkInfo {
  enum Protocol {
    IPv4 = 1;
    IPv6 = 2;
  }
  message IPAddress {
    optional Protocol protocol = 1;
    optional string ip_address = 2;
  }
  message PortMapping {
    required uint32 host_port = 1;
    required uint32 container_port = 2;
    optional string protocol = 3;
  }
  repeated IPAddress ip_addresses = 5;
  optional string name = 6;
  repeated string groups = 3;
  optional Labels labels = 4;
  repeated PortMapping port_mappings = 7;
}

message TTYInfo {
  message WindowSize {
    required uint32 rows = 1;
    required uint32 columns = 2;
  }
  optional WindowSize window_size = 1;
}

message RLimitInfo {
  message RLimit {
    enum Type {
      UNKNOWN = 0;
      RLMT_AS = 1;
      RLMT_CORE = 2;
      RLMT_CPU = 3;
      RLMT_DATA = 4;
      RLMT_FSIZE = 5;
      RLMT_LOCKS = 6;
      RLMT_MEMLOCK = 7;
      RLMT_MSGQUEUE = 8;
      RLMT_NICE = 9;
      RLMT_NOFILE = 10;
      RLMT_NPROC = 11;
      RLMT_RSS = 12;
      RLMT_RTPRIO = 13;
      RLMT_RTTIME = 14;
      RLMT_SIGPENDING = 15;
      RLMT_STACK = 16;
    }
    optional Type type = 1;
    optional uint64 hard = 2;
    optional uint64 soft = 3;
  }
  repeated RLimit rlimits = 1;
}

message ContainerInfo {
  enum Type {
    DOCKER = 1;
    MESOS = 2;
  }
  message DockerInfo {
    enum Network {
      HOST = 1;
      BRIDGE = 2;
      NONE = 3;
      USER = 4;
    }
    message PortMapping {
      required uint32 host_port = 1;
      required uint32 container_port = 2;
      optional string protocol = 3;
    }
    required string image = 1;
    optional Network network = 2;
    repeated PortMapping port_mappings = 3;
    optional bool privileged = 4;
    repeated Parameter parameters = 5;
    optional bool force_pull_image = 6;
  }
  message MesosInfo { optional Image image = 1; }
  required Type type = 1;
  repeated Volume volumes = 2;
  optional string hostname = 4;
  optional DockerInfo docker = 3;
  optional MesosInfo mesos = 5;
  repeated NetworkInfo network_infos = 7;
  optional RLimitInfo rlimit_info = 9;
  optional TTYInfo tty_info = 10;
}

message Port {
  required uint32 number = 1;
  optional string name = 2;
  optional string protocol = 3;
  optional DiscoveryInfo.Visibility visibility = 4;
  optional Labels labels = 5;
}
message Ports { repeated Port ports = 1; }

message DiscoveryInfo {
  enum Visibility {
    FRAMEWORK = 0;
    CLUSTER = 1;
    EXTERNAL = 2;
  }
  required Visibility visibility = 1;
  optional string name = 2;
  optional string environment = 3;
  optional string location = 4;
  optional string version = 5;
  optional Ports ports = 6;
  optional Labels labels = 7;
}

message Environment {
  message Variable {
    enum Type {
      UNKNOWN = 0;
      VALUE = 1;
      SECRET = 2;
    }
    required string name = 1;
    optional Type type = 3;
    optional string value = 2;
  }
  repeated Variable variables = 1;
}

message CommandInfo {
  message URI {
    required string value = 1;
    optional bool executable = 2;
    optional bool extract = 3;
    optional bool cache = 4;
    optional string output_file = 5;
  }
  repeated URI uris = 1;
  optional Environment environment = 2;
  optional bool shell = 6;
  optional string value = 3;
  repeated string arguments = 7;
  optional string user = 5;
}

message HealthCheck {
  enum Type {
    UNKNOWN = 0;
    COMMAND = 1;
    HTTP = 2;
    TCP = 3;
  }
  message HTTPCheckInfo {
    optional NetworkInfo.Protocol protocol = 5;
    optional string scheme = 3;
    required uint32 port = 1;
    optional string path = 2;
    repeated uint32 statuses = 4;
  }
  message TCPCheckInfo {
    optional NetworkInfo.Protocol protocol = 2;
    required uint32 port = 1;
  }
  optional double delay_seconds = 2;
  optional double interval_seconds = 3;
  optional double timeout_seconds = 4;
  optional uint32 consecutive_failures = 5;
  optional double grace_period_seconds = 6;
  optional Type type = 8;
  optional CommandInfo command = 7;
  optional HTTPCheckInfo http = 1;
  optional TCPCheckInfo tcp = 9;
}

message CheckInfo {
  enum Type {
    UNKNOWN = 0;
    COMMAND = 1;
    HTTP = 2;
    TCP = 3;
  }
  message Command { required CommandInfo command = 1; }
  message Http {
    required uint32 port = 1;
    optional string path = 2;
  }
  message Tcp { required uint32 port = 1; }
  optional Type type = 1;
  optional Command command = 2;
  optional Http http = 3;
  optional Tcp tcp = 7;
  optional double delay_seconds = 4;
  optional double interval_seconds = 5;
  optional double timeout_seconds = 6;
}

message KillPolicy { optional DurationInfo grace_period = 1; }

message ExecutorInfo {
  enum Type {
    UNKNOWN = 0;
    DEFAULT = 1;
    CUSTOM = 2;
  }
  optional Type type = 15;
  required ExecutorID executor_id = 1;
  optional FrameworkID framework_id = 8;
  optional CommandInfo command = 7;
  optional ContainerInfo container = 11;
  repeated Resource resources = 5;
  optional string name = 9;
  optional string source = 10;
  optional bytes data = 4;
  optional DiscoveryInfo discovery = 12;
  optional DurationInfo shutdown_grace_period = 13;
  optional Labels labels = 14;
}

message DomainInfo {
  message FaultDomain {
    message RegionInfo { required string name = 1; }
    message ZoneInfo { required string name = 1; }
    required RegionInfo region = 1;
    required ZoneInfo zone = 2;
  }
  optional FaultDomain fault_domain = 1;
}

message MasterInfo {
  message Capability {
    enum Type {
      UNKNOWN = 0;
      AGENT_UPDATE = 1;
      AGENT_DRAINING = 2;
      QUOTA_V2 = 3;
    }
    optional Type type = 1;
  }
  required string id = 1;
  required uint32 ip = 2;
  required uint32 port = 3;
  optional string pid = 4;
  optional string hostname = 5;
  optional string version = 6;
  optional Address address = 7;
  optional DomainInfo domain = 8;
  repeated Capability capabilities = 9;
}

message AgentInfo {
  message Capability {
    enum Type {
      UNKNOWN = 0;
      MULTI_ROLE = 1;
      HIERARCHICAL_ROLE = 2;
      RESERVATION_REFINEMENT = 3;
      RESOURCE_PROVIDER = 4;
      RESIZE_VOLUME = 5;
      AGENT_OPERATION_FEEDBACK = 6;
      AGENT_DRAINING = 7;
      TASK_RESOURCE_LIMITS = 8;
    }
    optional Type type = 1;
  }
  required string hostname = 1;
  optional int32 port = 8;
  repeated Resource resources = 3;
  repeated Attribute attributes = 5;
  optional AgentID id = 6;
  optional DomainInfo domain = 10;
}

message OfferFilters {
  message ResourceQuantities { map<string, Value.Scalar> quantities = 1; }
  message MinAllocatableResources { repeated ResourceQuantities quantities = 1; }
  optional MinAllocatableResources min_allocatable_resources = 1;
}

message FrameworkInfo {
  message Capability {
    enum Type {
      UNKNOWN = 0;
      REVOCABLE_RESOURCES = 1;
      TASK_KILLING_STATE = 2;
      GPU_RESOURCES = 3;
      SHARED_RESOURCES = 4;
      PARTITION_AWARE = 5;
      MULTI_ROLE = 6;
      RESERVATION_REFINEMENT = 7;
      REGION_AWARE = 8;
    }
    optional Type type = 1;
  }
  required string user = 1;
  required string name = 2;
  optional FrameworkID id = 3;
  optional double failover_timeout = 4;
  optional bool checkpoint = 5;
  optional string role = 6;
  repeated string roles = 12;
  optional string hostname = 7;
  optional string principal = 8;
  optional string webui_url = 9;
  repeated Capability capabilities = 10;
  optional Labels labels = 11;
  map<string, OfferFilters> offer_filters = 13;
}

message Request {
  optional AgentID agent_id = 1;
  repeated Resource resources = 2;
}

message Filters { optional double refuse_seconds = 1; }

message TaskInfo {
  required string name = 1;
  required TaskID task_id = 2;
  required AgentID agent_id = 3;
  repeated Resource resources = 4;
  optional ExecutorInfo executor = 5;
  optional CommandInfo command = 7;
  optional ContainerInfo container = 9;
  optional HealthCheck health_check = 8;
  optional CheckInfo check = 13;
  optional KillPolicy kill_policy = 12;
  optional bytes data = 6;
  optional Labels labels = 10;
  optional DiscoveryInfo discovery = 11;
  optional DurationInfo max_completion_time = 14;
  map<string, Value.Scalar> limits = 15;
}

message TaskGroupInfo { repeated TaskInfo tasks = 1; }

message Offer {
  message Operation {
    enum Type {
      UNKNOWN = 0;
      LAUNCH = 1;
      LAUNCH_GROUP = 6;
      RESERVE = 2;
      UNRESERVE = 3;
      CREATE = 4;
      DESTROY = 5;
      GROW_VOLUME = 11;
      SHRINK_VOLUME = 12;
      CREATE_DISK = 13;
      DESTROY_DISK = 14;
    }
    message Launch { repeated TaskInfo task_infos = 1; }
    message LaunchGroup {
      required ExecutorInfo executor = 1;
      required TaskGroupInfo task_group = 2;
    }
    message Reserve {
      repeated Resource source = 2;
      repeated Resource resources = 1;
    }
    message Unreserve { repeated Resource resources = 1; }
    message Create { repeated Resource volumes = 1; }
    message Destroy { repeated Resource volumes = 1; }
    message GrowVolume {
      required Resource volume = 1;
      required Resource addition = 2;
    }
    message ShrinkVolume {
      required Resource volume = 1;
      required Value.Scalar subtract = 2;
    }
    optional Type type = 1;
    optional OperationID id = 12;
    optional Launch launch = 2;
    optional LaunchGroup launch_group = 7;
    optional Reserve reserve = 3;
    optional Unreserve unreserve = 4;
    optional Create create = 5;
    optional Destroy destroy = 6;
    optional GrowVolume grow_volume = 13;
    optional ShrinkVolume shrink_volume = 14;
  }
  required OfferID id = 1;
  required FrameworkID framework_id = 2;
  required AgentID agent_id = 3;
  required string hostname = 4;
  optional URL url = 8;
  optional DomainInfo domain = 11;
  repeated Resource resources = 5;
  repeated Attribute attributes = 7;
  repeated ExecutorID executor_ids = 6;
  optional Unavailability unavailability = 9;
  optional Resource.AllocationInfo allocation_info = 10;
}

message InverseOffer {
  required OfferID id = 1;
  optional URL url = 2;
  required FrameworkID framework_id = 3;
  optional AgentID agent_id = 4;
  required Unavailability unavailability = 5;
  repeated Resource resources = 6;
}

enum TaskState {
  TASK_STAGING = 6;
  TASK_STARTING = 0;
  TASK_RUNNING = 1;
  TASK_KILLING = 8;
  TASK_FINISHED = 2;
  TASK_FAILED = 3;
  TASK_KILLED = 4;
  TASK_ERROR = 7;
  TASK_LOST = 5;
  TASK_DROPPED = 9;
  TASK_UNREACHABLE = 10;
  TASK_GONE = 11;
  TASK_GONE_BY_OPERATOR = 12;
  TASK_UNKNOWN = 13;
}

message CheckStatusInfo {
  message Command { optional int32 exit_code = 1; }
  message Http { optional uint32 status_code = 1; }
  message Tcp { optional bool succeeded = 1; }
  optional CheckInfo.Type type = 1;
  optional Command command = 2;
  optional Http http = 3;
  optional Tcp tcp = 4;
}

message TaskResourceLimitation { repeated Resource resources = 1; }

message TaskStatus {
  enum Source {
    SOURCE_MASTER = 0;
    SOURCE_AGENT = 1;
    SOURCE_EXECUTOR = 2;
  }
  enum Reason {
    REASON_COMMAND_EXECUTOR_FAILED = 0;
    REASON_CONTAINER_LAUNCH_FAILED = 21;
    REASON_CONTAINER_LIMITATION = 19;
    REASON_CONTAINER_LIMITATION_DISK = 20;
    REASON_CONTAINER_LIMITATION_MEMORY = 8;
    REASON_CONTAINER_PREEMPTED = 17;
    REASON_CONTAINER_UPDATE_FAILED = 22;
    REASON_MAX_COMPLETION_TIME_REACHED = 33;
    REASON_EXECUTOR_REGISTRATION_TIMEOUT = 23;
    REASON_EXECUTOR_REREGISTRATION_TIMEOUT = 24;
    REASON_EXECUTOR_TERMINATED = 1;
    REASON_EXECUTOR_UNREGISTERED = 2;
    REASON_FRAMEWORK_REMOVED = 3;
    REASON_GC_ERROR = 4;
    REASON_INVALID_FRAMEWORKID = 5;
    REASON_INVALID_OFFERS = 6;
    REASON_IO_SWITCHBOARD_EXITED = 27;
    REASON_MASTER_DISCONNECTED = 7;
    REASON_RECONCILIATION = 9;
    REASON_RESOURCES_UNKNOWN = 18;
    REASON_AGENT_DISCONNECTED = 10;
    REASON_AGENT_DRAINING = 34;
    REASON_AGENT_REMOVED = 11;
    REASON_AGENT_REMOVED_BY_OPERATOR = 31;
    REASON_AGENT_REREGISTERED = 32;
    REASON_AGENT_RESTARTED = 12;
    REASON_AGENT_UNKNOWN = 13;
    REASON_TASK_KILLED_DURING_LAUNCH = 30;
    REASON_TASK_CHECK_STATUS_UPDATED = 28;
    REASON_TASK_HEALTH_CHECK_STATUS_UPDATED = 29;
    REASON_TASK_GROUP_INVALID = 25;
    REASON_TASK_GROUP_UNAUTHORIZED = 26;
    REASON_TASK_INVALID = 14;
    REASON_TASK_UNAUTHORIZED = 15;
    REASON_TASK_UNKNOWN = 16;
  }
  required TaskID task_id = 1;
  required TaskState state = 2;
  optional string message = 4;
  optional Source source = 9;
  optional Reason reason = 10;
  optional bytes data = 3;
  optional AgentID agent_id = 5;
  optional ExecutorID executor_id = 7;
  optional double timestamp = 6;
  optional bytes uuid = 11;
  optional bool healthy = 8;
  optional CheckStatusInfo check_status = 15;
  optional Labels labels = 12;
  optional TimeInfo unreachable_time = 14;
  optional TaskResourceLimitation limitation = 16;
}

enum OperationState {
  OPERATION_UNSUPPORTED = 0;
  OPERATION_PENDING = 1;
  OPERATION_FINISHED = 2;
  OPERATION_FAILED = 3;
  OPERATION_ERROR = 4;
  OPERATION_DROPPED = 5;
  OPERATION_UNREACHABLE = 6;
  OPERATION_GONE_BY_OPERATOR = 7;
  OPERATION_RECOVERING = 8;
  OPERATION_UNKNOWN = 9;
}

message OperationStatus {
  optional OperationID operation_id = 1;
  required OperationState state = 2;
  optional string message = 3;
  repeated Resource converted_resources = 4;
  optional UUID uuid = 5;
  optional AgentID agent_id = 6;
  optional ResourceProviderID resource_provider_id = 7;
}
`;
