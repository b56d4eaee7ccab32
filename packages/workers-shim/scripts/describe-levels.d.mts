// Types of describe-levels.mjs, for the tests.
export declare const DESCRIBE_LEVELS: string;
