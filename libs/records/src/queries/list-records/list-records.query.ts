export class ListRecords {
  constructor(
    readonly filter: { businessId?: string; userId?: string },
    readonly pageSize: number,
    readonly cursor?: string,
    /** 1-based; only for shallow pages (see RecordLimits.pageNumMaxOffset). */
    readonly pageNum?: number,
  ) {}
}
