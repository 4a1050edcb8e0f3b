import { Client } from '@elastic/elasticsearch';

export interface ElasticsearchConfig {
  /** e.g. http://127.0.0.1:9200 (comma-separated nodes allowed). */
  url: string;
  requestTimeoutMs: number;
  /** The client's own retries on connection errors before a request fails. */
  maxRetries: number;
}

export function createElasticsearchClient(config: ElasticsearchConfig): Client {
  return new Client({
    nodes: config.url.split(',').map((u) => u.trim()),
    requestTimeout: config.requestTimeoutMs,
    maxRetries: config.maxRetries,
    compression: false,
  });
}
