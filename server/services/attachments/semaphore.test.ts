import { describe, expect, it } from 'vitest';
import { Semaphore } from './semaphore';

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('Semaphore', () => {
  it('admits at most `size` holders and then the waiters in arrival order', async () => {
    const semaphore = new Semaphore(2);
    const order: string[] = [];
    const first = await semaphore.acquire();
    await semaphore.acquire();
    void semaphore.acquire().then(() => order.push('third'));
    void semaphore.acquire().then(() => order.push('fourth'));
    await tick();
    expect(order).toEqual([]);
    first();
    first(); // releasing twice frees one slot only
    await tick();
    expect(order).toEqual(['third']);
  });

  it('drops a waiter whose signal aborts, without using up a slot', async () => {
    const semaphore = new Semaphore(1);
    const release = await semaphore.acquire();
    const controller = new AbortController();
    const abandoned = semaphore.acquire(controller.signal);
    let nextGranted = false;
    void semaphore.acquire().then(() => (nextGranted = true));
    controller.abort(new Error('client gone'));
    await expect(abandoned).rejects.toThrow('client gone');
    release();
    await tick();
    expect(nextGranted).toBe(true);
  });

  it('refuses at once when the signal is already aborted', async () => {
    const semaphore = new Semaphore(1);
    await expect(semaphore.acquire(AbortSignal.abort(new Error('gone')))).rejects.toThrow('gone');
    // The slot is still free.
    await semaphore.acquire();
  });

  it('run() releases the slot when the task fails', async () => {
    const semaphore = new Semaphore(1);
    await expect(semaphore.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(semaphore.run(async () => 'ok')).resolves.toBe('ok');
  });
});
