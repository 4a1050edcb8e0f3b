export interface RecordsIndexSettings {
  /** Primary shards per monthly index (~600 M docs/month at 20 M/day: size them for 20-50 GB shards). */
  shards: number;
  replicas: number;
  /** How soon a write becomes searchable; part of the acknowledgement-to-visibility lag budget. */
  refreshInterval: string;
}

export const DEFAULT_INDEX_SETTINGS: RecordsIndexSettings = { shards: 1, replicas: 0, refreshInterval: '1s' };

/**
 * Mapping of a records document. Mapping-explosion guard: `data_content` is arbitrary JSON from
 * many businesses, so it is kept in `_source` only (`enabled: false`: not parsed into fields, so
 * no key of it ever reaches the mapping) instead of dynamic mapping (one field per distinct key
 * across all businesses -> total_fields limit, cluster-state bloat, type clashes such as "price"
 * a number for one business and a string for another). Full-text search goes to `data_text`,
 * built by the projection from every string/number leaf: the SPEC's "dynamic: false plus a
 * full-text copy". No reader queries data_content by path (the search API matches data_text and
 * filters on the keyword fields), and indexing every leaf as a `flattened` keyword cost ~30 % of
 * Elasticsearch's CPU per document (bench/pipeline README, issue 12). `dynamic: strict`
 * everywhere else: only the projection writes these documents, so an unexpected root field is a
 * bug to surface.
 */
export function recordsMappings() {
  return {
    dynamic: 'strict' as const,
    properties: {
      record_id: { type: 'keyword' as const },
      business_id: { type: 'keyword' as const },
      user_id: { type: 'keyword' as const },
      data_content: { type: 'object' as const, enabled: false },
      data_text: { type: 'text' as const },
      created_time: { type: 'date' as const },
      updated_time: { type: 'date' as const },
      version: { type: 'long' as const },
      deleted: { type: 'boolean' as const },
    },
  };
}

export function recordsIndexSettings(settings: RecordsIndexSettings) {
  return {
    number_of_shards: settings.shards,
    number_of_replicas: settings.replicas,
    refresh_interval: settings.refreshInterval,
  };
}
