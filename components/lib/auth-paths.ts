/** Where next-auth is mounted (app/api/console-auth); the REST /api/auth/* routes stay free. */
export const CONSOLE_AUTH_BASE_PATH = '/api/console-auth';
