import { context } from '../testing/record-decider.spec-helper';
import { CreateRecord } from './create-record/create-record.command';
import { CreateRecordsBatch } from './create-records-batch/create-records-batch.command';
import { DeleteRecord } from './delete-record/delete-record.command';
import { requestHashOf } from './record-command.idempotency';
import { UpdateRecord } from './update-record/update-record.command';

/**
 * The hashes below were computed by the code before the commands were reshaped. They are stored
 * with every client-chosen command id: if one changes, a client retrying across the deploy gets
 * 422 IDEMPOTENCY_KEY.REUSED instead of its replay.
 */
describe('request fingerprints stay what is stored', () => {
  // Built in another key order than the hash uses: the fingerprint must not depend on it.
  const input = { dataContent: { a: 1 }, userId: '42', businessId: 'acme' };

  it.each([
    ['create', new CreateRecord(input, context), '406f3c4616c47c552eee7aaaf8da4bee1b74541de601a0812744586b8fdadfcd'],
    ['update', new UpdateRecord({ businessId: 'acme', recordId: '7', patch: { a: null } }, context), 'fa34da5a7bf063b0693dfe219a3506709f412074c506213e7a223d0d92839c44'],
    ['pinned update', new UpdateRecord({ businessId: 'acme', recordId: '7', patch: { a: null }, expectedVersion: 3 }, context), '2ed4e29f9272754ab3517a2c54bb1bb616cf1c315305eab090d911827e033c9a'],
    ['delete', new DeleteRecord({ businessId: 'acme', recordId: '7' }, context), 'f5121fccf31bb9872f8404f741f4195665a13f94be56f9f88f18740383ea9be8'],
    [
      'batch',
      new CreateRecordsBatch({ records: [input, { ...input, userId: '43' }], atomic: false }, context),
      '8af58f47ca8376410a2a559dc38439ee1768ea79be8875eeb5d24804e6dee2d9',
    ],
  ])('%s', (_, command, hash) => {
    expect(requestHashOf(command)).toBe(hash);
  });
});
