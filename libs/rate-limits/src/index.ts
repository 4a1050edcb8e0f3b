// Per-key, per-role rate limits shared through Redis, with a local fallback (README.md).
export * from './rate-limits.config';
export * from './request-cost';
export * from './role-bucket';
export * from './rate-limited.error';
export * from './rate-limit.hook';
export * from './enable-rate-limits';
