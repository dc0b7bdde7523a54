import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

/** What a process writes with the logger at LOG_LEVEL=warn: JSON lines on stdout. */
function linesAtWarn(script: string): Array<Record<string, unknown>> {
  const stdout = execFileSync(
    process.execPath,
    ['--import', 'tsx', '-e', `const { logger } = require('@/server/logger');\n${script}`],
    { env: { ...process.env, LOG_LEVEL: 'warn' }, encoding: 'utf8' },
  );
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('logger', () => {
  it('writes the lines at and above LOG_LEVEL with the child bindings, and none below', () => {
    const lines = linesAtWarn(`
      const request = logger.child({ requestId: 'r-1' });
      request.info('below the level');
      request.debug('below the level');
      request.warn('written', { status: 429 });
      logger.error('root line', { password: 'hunter2' });
    `);
    expect(lines.map((line) => line.msg)).toEqual(['written', 'root line']);
    expect(lines[0]).toMatchObject({ level: 'warn', requestId: 'r-1', status: 429 });
    expect(lines[1]).toMatchObject({ level: 'error', password: '[redacted]' });
    expect(lines[1]).not.toHaveProperty('requestId');
  });
});
