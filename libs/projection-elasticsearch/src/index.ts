// The records search read model in Elasticsearch: the projection sink (write side) and the
// adapter of the query side's RecordSearch port (@shardline/read-models).
export * from './elasticsearch-client';
export * from './elasticsearch-records.sink';
export * from './records-index-names';
export * from './records-index-template';
export * from './record-document';
export * from './bulk-body';
export * from './generation-state';
export * from './bulk-outcome';
export * from './search/search-cursor';
export * from './search/elasticsearch-record-search.adapter';
export * from './erasure/elasticsearch-user.erasure';
export * from './verification/elasticsearch-records.side';
export * from './index-lifecycle';
