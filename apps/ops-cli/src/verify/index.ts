export * from './verify-options';
export * from './verify.command';
export * from "./verify.cli";
export * from './records-rebuild.command';
