// Types of @herald/client (index.js).

export type ConnectionState = 'connecting' | 'connected' | 'disconnected';

export interface Message {
  type: 'message';
  id: string;
  ts: number;
  from: string;
  room?: string;
  data: unknown;
}

export interface Welcome {
  type: 'welcome';
  session: string;
  user: string;
  node: string;
  heartbeat: number;
}

export interface Reply {
  type: 'reply';
  id: number;
  ok: true;
  [member: string]: unknown;
}

export interface Target {
  rooms?: string[];
  users?: string[];
}

export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

export interface ReconnectOptions {
  /** ms before the first retry (default 500) */
  min?: number;
  /** ms at most between retries (default 30000) */
  max?: number;
  /** growth per failed attempt (default 2) */
  factor?: number;
  /** +- share of the delay drawn at random (default 0.5) */
  jitter?: number;
}

export interface ClientOptions {
  /** the herald namespace */
  ns: string;
  /** a JWT signed with the namespace secret; or getToken */
  token?: string;
  /** fetches a token: at the first connect without `token`, after a refusal or 4001, and before `exp` */
  getToken?: () => Promise<string> | string;
  /** the device id (durable delivery is per device) */
  client?: string;
  /** where a generated device id is kept (e.g. localStorage) when `client` is not given */
  storage?: StorageLike;
  clientKey?: string;
  /** ack every message once the app's handlers ran (default true) */
  autoAck?: boolean;
  /** ms a request may wait for its reply (default 10000) */
  requestTimeout?: number;
  /** message ids remembered to deliver each once (default 1000) */
  dedupe?: number;
  reconnect?: ReconnectOptions;
  /** s before a token's exp to send a refresh (default 30) */
  refreshBefore?: number;
  /** a WebSocket class where there is no global one (Node < 22: the ws package) */
  WebSocket?: unknown;
  /** what the device says of itself (a JSON object of at most 1 KB) */
  meta?: Record<string, unknown>;
}

export class HeraldError extends Error {
  /** herald's error code (docs/http-api.md), or timeout / unavailable */
  code: string;
  constructor(code: string, message?: string);
}

export interface EventMap {
  state: { state: ConnectionState; code?: number; reason?: string; session?: string };
  connected: Welcome;
  disconnected: { code: number; reason: string };
  message: Message;
  error: HeraldError;
  presence: { type: 'presence'; room: string; event: 'join' | 'leave'; user: string; session: string };
}

export class HeraldClient {
  constructor(url: string, options: ClientOptions);
  readonly state: ConnectionState;
  readonly session: Welcome | undefined;
  readonly client: string | undefined;
  /** joined rooms -> the last message id seen in each */
  readonly rooms: Map<string, string | undefined>;
  on<K extends keyof EventMap>(event: K, fn: (value: EventMap[K]) => void): () => void;
  off<K extends keyof EventMap>(event: K, fn: (value: EventMap[K]) => void): void;
  connect(): Promise<Welcome>;
  request(frame: Record<string, unknown>, timeout?: number): Promise<Reply>;
  join(rooms: string | string[], options?: { since?: Record<string, string> }): Promise<Reply>;
  leave(rooms: string | string[]): Promise<Reply>;
  /** resolves with the message id */
  publish(to: Target, data: unknown, options?: { ttl?: number }): Promise<string>;
  ack(...ids: string[]): void;
  refresh(token: string): Promise<Reply>;
  close(): void;
}

/** the `exp` claim of a JWT (seconds), unverified */
export function tokenExpiry(token: string): number | undefined;
