/**
 * Process lifecycle shared by every app's main.ts: on SIGTERM or SIGINT run `stop` (each app's own
 * drain: finish in-flight work, release locks, close pools), then exit 0 — normally, so exit hooks
 * such as --cpu-prof run; exit 1 if stopping failed. A second signal exits at once (130): nothing
 * acknowledged is lost by that, only unfinished work is redone by whoever takes over.
 */
export function exitGracefullyOnSignals(stop: () => Promise<void>, log: (message: string) => void = () => {}): void {
  const onSignal = (signal: NodeJS.Signals) => {
    process.once('SIGTERM', () => process.exit(130));
    process.once('SIGINT', () => process.exit(130));
    log(`${signal}: shutting down`);
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
}

/** Entry-point wrapper: a start-up failure is printed and exits 1 instead of an unhandled rejection. */
export function runMain(main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
