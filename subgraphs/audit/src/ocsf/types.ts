/** The subset of OCSF 1.x objects Imagy emits. Optional members are omitted, never null. */
export interface OcsfUser {
  uid?: string;
  name?: string;
  email_addr?: string;
  type_id: number;
  type: string;
  org?: { uid: string };
}

export interface OcsfActor {
  user?: OcsfUser;
  app_name?: string;
  session?: { uid: string };
}

export interface OcsfEndpoint {
  ip?: string;
  name?: string;
  svc_name?: string;
}

export interface OcsfMetadata {
  version: string;
  product: { name: string; vendor_name: string; uid: string; feature?: { name: string } };
  tenant_uid: string;
  uid: string;
  correlation_uid?: string;
  event_code?: string;
  log_name?: string;
  logged_time: number;
  original_time?: string;
}

export interface OcsfEvent {
  class_uid: number;
  class_name: string;
  category_uid: number;
  category_name: string;
  activity_id: number;
  activity_name: string;
  type_uid: number;
  type_name: string;
  severity_id: number;
  severity: string;
  status_id: number;
  status: string;
  status_detail?: string;
  time: number;
  message: string;
  metadata: OcsfMetadata;
  actor: OcsfActor;
  // Authentication (3002) / Account Change (3001)
  user?: OcsfUser;
  service?: { name: string };
  src_endpoint?: OcsfEndpoint;
  http_request?: { user_agent?: string; uid?: string };
  auth_protocol_id?: number;
  auth_protocol?: string;
  is_remote?: boolean;
  // Entity Management (3004)
  entity?: { uid?: string; name?: string; type: string; data?: Record<string, unknown> };
  comment?: string;
  // API Activity (6003)
  api?: { operation: string; service?: { name: string }; request?: { uid: string } };
  resources?: { uid?: string; name?: string; type: string }[];
  unmapped?: Record<string, unknown>;
}
