/** Types for the untyped `@alicloud/log` 1.2.6 SDK (lib/client.js), the parts jaeger-sls uses. */
declare module '@alicloud/log' {
  import type { Agent } from 'node:http';

  namespace Client {
    interface Credentials {
      accessKeyId: string;
      accessKeySecret: string;
      securityToken?: string;
    }
    interface Config {
      accessKeyId?: string;
      accessKeySecret?: string;
      securityToken?: string;
      credentialsProvider?: { getCredentials(): Promise<Credentials> };
      /** host[:port], optionally prefixed with http:// or https:// (sets the scheme). */
      endpoint?: string;
      region?: string;
      net?: string;
      use_https?: boolean;
      userAgent?: string;
    }
    /** Per-call options, passed to httpx.request. */
    interface RequestOptions {
      /** ms, connect and read; default 3000. */
      timeout?: number;
      readTimeout?: number;
      connectTimeout?: number;
      agent?: Agent;
      /** Receives Node http.request options; returns the ones to use. */
      beforeRequest?: (options: Record<string | symbol, unknown>) => Record<string | symbol, unknown>;
      compression?: boolean;
      rejectUnauthorized?: boolean;
    }
    type Headers = Record<string, string | number>;
    type Queries = Record<string, string | number | boolean | undefined>;
    interface GetLogsData {
      query?: string;
      line?: number;
      offset?: number;
      reverse?: boolean;
      topic?: string;
      powerSql?: boolean;
    }
  }

  class Client {
    constructor(config: Client.Config);
    endpoint: string;
    use_https: boolean;
    _request(
      verb: string,
      projectName: string | undefined,
      path: string,
      queries: Client.Queries,
      body: Buffer | null,
      headers: Client.Headers,
      options?: Client.RequestOptions,
    ): Promise<unknown>;
    getProject(projectName: string, options?: Client.RequestOptions): Promise<unknown>;
    listLogStore(projectName: string, data?: { logstoreName?: string; offset?: number; size?: number }, options?: Client.RequestOptions): Promise<unknown>;
    createLogStore(projectName: string, logstoreName: string, data?: { ttl?: number; shardCount?: number }, options?: Client.RequestOptions): Promise<unknown>;
    getLogStore(projectName: string, logstoreName: string, options?: Client.RequestOptions): Promise<unknown>;
    deleteLogStore(projectName: string, logstoreName: string, options?: Client.RequestOptions): Promise<unknown>;
    getIndexConfig(projectName: string, logstoreName: string, options?: Client.RequestOptions): Promise<unknown>;
    createIndex(projectName: string, logstoreName: string, index: unknown, options?: Client.RequestOptions): Promise<unknown>;
    updateIndex(projectName: string, logstoreName: string, index: unknown, options?: Client.RequestOptions): Promise<unknown>;
    deleteIndex(projectName: string, logstoreName: string, options?: Client.RequestOptions): Promise<unknown>;
    getLogs(projectName: string, logstoreName: string, from: Date, to: Date, data?: Client.GetLogsData, options?: Client.RequestOptions): Promise<unknown>;
    getHistograms(projectName: string, logstoreName: string, from: Date, to: Date, data?: Client.GetLogsData, options?: Client.RequestOptions): Promise<unknown>;
    postLogStoreLogs(
      projectName: string,
      logstoreName: string,
      data: { logs: { timestamp: number; timestampNsPart?: number; content: Record<string, string> }[]; tags?: Record<string, string>[]; topic?: string; source?: string },
      options?: Client.RequestOptions,
    ): Promise<unknown>;
  }
  export = Client;
}
