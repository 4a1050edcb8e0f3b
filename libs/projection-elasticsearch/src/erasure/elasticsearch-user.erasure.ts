import type { Client } from '@elastic/elasticsearch';
import { UnavailableError } from '@shardline/errors';
import { RecordsIndexNames } from '../records-index-names';

const PAGE = 1000;

/**
 * Deletes a user's documents from every generation of the search read model (`<base>-*`: the live
 * one behind the read alias, and rebuilt or retired ones kept beside it). Tombstones of the user's
 * records that the projection writes later carry no content (RecordErased). Safe to repeat.
 *
 * Search-then-bulk-delete rather than _delete_by_query: the latter lives in the reindex module,
 * which not every distribution ships (the integ-test one the native stack runs does not). Deleting
 * a page makes the next search return the following one, so no cursor is needed.
 */
export class ElasticsearchUserErasure {
  private readonly names: RecordsIndexNames;

  constructor(
    private readonly client: Client,
    indexBase: string,
  ) {
    this.names = new RecordsIndexNames(indexBase);
  }

  /** Returns the documents deleted. */
  async eraseUser(userId: string): Promise<number> {
    const index = this.names.indexPattern('');
    let deleted = 0;
    for (;;) {
      await this.client.indices.refresh({ index, allow_no_indices: true, ignore_unavailable: true });
      const page = await this.client.search({ index, size: PAGE, _source: false, query: { term: { user_id: userId } }, allow_no_indices: true, ignore_unavailable: true });
      const hits = page.hits.hits;
      if (hits.length === 0) return deleted;
      const result = await this.client.bulk({ operations: hits.map((hit) => ({ delete: { _index: hit._index, _id: hit._id } })) });
      for (const item of result.items) {
        const status = item.delete?.status ?? 500;
        if (status === 200) deleted++;
        else if (status !== 404) throw new UnavailableError('SEARCH.ERASURE_FAILED', `deleting ${item.delete?._id} from ${item.delete?._index} answered ${status}`);
      }
    }
  }
}
