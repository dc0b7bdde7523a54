/** Set by the test run's global setup: the folder its servers' data directories go in, removed when the run ends. */
export const SERVER_DIRS_ENV = 'SYNKRONUS_TEST_SERVER_DIRS';
