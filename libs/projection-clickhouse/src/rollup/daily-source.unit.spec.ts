import { dailySourceSql, type DailySourceInput } from './daily-source';
import { WHOLE_DAY_MINUTES } from './rollup-tables';

describe('dailySourceSql', () => {
  // A whole day rolled, a day rolled to 17:40, a day read raw: every kind of part.
  const input: DailySourceInput = {
    events: '`a`.`record_events`',
    rollup: '`a`.`daily_business_rollup`',
    partial: '`a`.`daily_business_rollup_slots`',
    from: '2026-12-01',
    to: '2026-12-03',
    scope: 'per-business',
    runs: new Map([
      ['2026-12-01', { runId: '7715133209609283007', throughMinute: WHOLE_DAY_MINUTES }],
      ['2026-12-03', { runId: '7715133213934577911', throughMinute: 17 * 60 + 40 }],
    ]),
    users: [],
  };

  it('per day (the default) groups the raw events and a partly rolled day per (business, day)', () => {
    expect(dailySourceSql(input).match(/GROUP BY/g)).toHaveLength(3);
  });

  it('summable rows read the same parts without grouping them (the query sums them)', () => {
    const sql = dailySourceSql({ ...input, rows: 'summable' });
    expect(sql).not.toContain('GROUP BY');
    for (const part of ['daily_business_rollup`', 'daily_business_rollup_slots`', "occurred_at >= toDateTime('2026-12-03 17:40:00'", "event_date = toDate('2026-12-02')"]) expect(sql).toContain(part);
  });

  it("counts a partly rolled day's users without building their array, unless the set is asked for too", () => {
    const countOnly = dailySourceSql({ ...input, users: ['n_users', 'user_sketch'] });
    expect(countOnly).toContain('uniqExactArray(p_user_set) AS n_users');
    expect(countOnly).not.toContain('groupUniqArrayArray');
    const withSet = dailySourceSql({ ...input, users: ['n_users', 'user_set'] });
    expect(withSet).toContain('length(groupUniqArrayArray(p_user_set)) AS n_users');
    expect(withSet).toContain('groupUniqArrayArray(p_user_set) AS user_set');
  });

  it('summable rows carry no user columns: distinct users do not add up', () => {
    expect(() => dailySourceSql({ ...input, rows: 'summable', users: ['n_users'] })).toThrow(/distinct users/);
  });
});
