export * from './snowflake';
