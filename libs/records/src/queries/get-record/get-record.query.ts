export class GetRecord {
  constructor(
    readonly businessId: string,
    readonly id: string,
  ) {}
}
