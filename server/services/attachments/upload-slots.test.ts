import { describe, expect, it } from 'vitest';
import { UploadSlots } from './upload-slots';

describe('UploadSlots', () => {
  it('lets a client hold only its share, so another client still gets a slot', async () => {
    const slots = new UploadSlots(4, 2);
    await slots.acquire('greedy');
    await slots.acquire('greedy');
    let thirdGreedy = false;
    void slots.acquire('greedy').then(() => (thirdGreedy = true));
    const other = await slots.acquire('other');
    await new Promise((resolve) => setImmediate(resolve));
    expect(thirdGreedy).toBe(false);
    expect(typeof other).toBe('function');
  });

  it('gives a waiting upload of a client its slot when an earlier one of it ends, and drops aborted waiters', async () => {
    const slots = new UploadSlots(2, 1);
    const first = await slots.acquire('a');
    const leaving = new AbortController();
    const aborted = slots.acquire('a', leaving.signal);
    const queued = slots.acquire('a');
    leaving.abort(new Error('gone'));
    await expect(aborted).rejects.toThrow('gone');
    first();
    const release = await queued;
    release();
    await expect(slots.acquire('a')).resolves.toBeTypeOf('function');
  });
});
