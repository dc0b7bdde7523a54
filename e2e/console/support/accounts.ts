/** The bootstrap admin of the console test server (playwright.config.ts passes these to it). */
export const CONSOLE_ADMIN = { username: 'console-admin', password: 'console-admin-pass-1' };
/** Failed sign-ins per (address, username) before the server throttles. */
export const CONSOLE_LOGIN_ATTEMPTS = 3;
