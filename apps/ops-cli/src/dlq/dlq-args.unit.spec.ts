import { DlqUsageError, hasSelection, parseDlqArgs } from './dlq-args';

describe('parseDlqArgs', () => {
  it('reads the selectors, ids repeated or comma-separated', () => {
    const args = parseDlqArgs(['resend', '--projection', 'elasticsearch', '--kind', 'rejected', '--reason', 'closed', '--id', '0:1,0:2', '--id', '0:3', '--dry-run']);
    expect(args).toMatchObject({ command: 'resend', dryRun: true, all: false, filter: { projection: 'elasticsearch', kind: 'rejected', reason: 'closed', ids: ['0:1', '0:2', '0:3'] } });
    expect(hasSelection(args.filter)).toBe(true);
    expect(hasSelection(parseDlqArgs(['resend', '--all']).filter)).toBe(false);
    expect(parseDlqArgs(['inspect', '0:7', '--open'])).toMatchObject({ command: 'inspect', positional: ['0:7'], open: true });
    expect(parseDlqArgs(['list'])).toMatchObject({ limit: 50, allStatuses: false, json: false });
  });

  it.each([
    [['list', '--kind', 'poison'], /--kind must be/],
    [['list', '--limit', 'lots'], /--limit must be/],
    [['list', '--colour'], /Unknown option/],
  ])('refuses %j', (argv, message) => {
    expect(() => parseDlqArgs(argv)).toThrow(DlqUsageError);
    expect(() => parseDlqArgs(argv)).toThrow(message);
  });
});
