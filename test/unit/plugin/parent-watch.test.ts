import { afterEach, describe, expect, it, vi } from 'vitest';
import { PARENT_POLL_MS, watchParent } from '../../../src/plugin/parent-watch.js';

afterEach(() => vi.useRealTimers());

describe('plugin/parent-watch', () => {
  it('does not watch a process started by init (parent PID 1 from the start)', () => {
    const onOrphaned = vi.fn();
    expect(watchParent({ parentId: () => 1, onOrphaned })).toBeUndefined();
  });

  it('reports once when the parent id changes (re-parented after the parent died), never while it stays', () => {
    vi.useFakeTimers();
    let parent = 4242;
    const onOrphaned = vi.fn();
    const watch = watchParent({ parentId: () => parent, onOrphaned });
    expect(watch).toBeDefined();
    vi.advanceTimersByTime(PARENT_POLL_MS * 10);
    expect(onOrphaned).not.toHaveBeenCalled();
    parent = 1;
    vi.advanceTimersByTime(PARENT_POLL_MS);
    expect(onOrphaned).toHaveBeenCalledExactlyOnceWith({ parent: 4242, now: 1 });
    vi.advanceTimersByTime(PARENT_POLL_MS * 10);
    expect(onOrphaned).toHaveBeenCalledTimes(1);
  });

  it('stops watching on stop()', () => {
    vi.useFakeTimers();
    let parent = 10;
    const onOrphaned = vi.fn();
    watchParent({ parentId: () => parent, onOrphaned })!.stop();
    parent = 11;
    vi.advanceTimersByTime(PARENT_POLL_MS * 4);
    expect(onOrphaned).not.toHaveBeenCalled();
  });
});
