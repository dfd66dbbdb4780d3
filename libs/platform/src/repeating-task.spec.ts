import { RepeatingTask } from './repeating-task';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('RepeatingTask', () => {
  it('runs rounds in a row while there is more, up to its bound, then waits for the next tick', async () => {
    let rounds = 0;
    const task = new RepeatingTask('test', 50, async () => ++rounds < 100, 3);
    task.start();
    await sleep(80);
    task.stop();
    // One tick: three rounds (the bound), though each said there was more.
    expect(rounds).toBe(3);
  });

  it('never overlaps a slow tick, and goes on after a failed round', async () => {
    let inFlight = 0;
    let most = 0;
    let calls = 0;
    const task = new RepeatingTask('test', 10, async () => {
      calls++;
      inFlight++;
      most = Math.max(most, inFlight);
      await sleep(35);
      inFlight--;
      if (calls === 1) throw new Error('database down');
      return false;
    });
    task.start();
    await sleep(150);
    task.stop();
    expect(most).toBe(1);
    expect(calls).toBeGreaterThanOrEqual(2);
  });
});
