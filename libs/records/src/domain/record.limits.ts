/** Input limits, enforced at the edge and re-checked by the decisions. Documented in README "Limits". */
export const RecordLimits = {
  businessIdMaxLength: 64,
  dataContentMaxBytes: 64 * 1024,
  batchMaxRecords: 10_000,
  pageMaxSize: 100,
  /** page_num paging is allowed only while page_num * page_size stays this shallow. */
  pageNumMaxOffset: 1_000,
} as const;
