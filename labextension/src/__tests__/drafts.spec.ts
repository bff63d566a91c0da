import { StateDB } from '@jupyterlab/statedb';

import { CardDrafts, DRAFTS_KEY, KernelSessions } from '../drafts';

const fields = (justification: string) => ({
  summary: 'Install arrow',
  description: '',
  justification,
  urgency: 'normal' as const
});

describe('CardDrafts', () => {
  it('keeps what was typed per fingerprint until sent or dismissed', async () => {
    const drafts = new CardDrafts();
    await drafts.ready;
    drafts.set('fp-1', fields('Parquet files'));
    expect(drafts.get('fp-1')?.justification).toBe('Parquet files');
    expect(drafts.get('fp-2')).toBeUndefined();
    expect(drafts.get(null)).toBeUndefined();
    drafts.remove('fp-1');
    expect(drafts.get('fp-1')).toBeUndefined();
  });

  it('survives a page reload through the state DB (the workspace)', async () => {
    const state = new StateDB();
    const first = new CardDrafts(state);
    await first.ready;
    first.set('fp-1', fields('Parquet files'));
    await first.flush();
    expect(await state.fetch(DRAFTS_KEY)).toBeTruthy();

    const reloaded = new CardDrafts(state);
    await reloaded.ready;
    expect(reloaded.get('fp-1')?.justification).toBe('Parquet files');
    reloaded.remove('fp-1');
    await reloaded.flush();
    const again = new CardDrafts(state);
    await again.ready;
    expect(again.get('fp-1')).toBeUndefined();
  });

  it('forgets month-old drafts and ignores broken entries', async () => {
    const state = new StateDB();
    const old = Date.now() - 31 * 24 * 3600 * 1000;
    await state.save(DRAFTS_KEY, {
      stale: { ...fields('old'), saved: old },
      broken: { summary: 1 },
      fresh: { ...fields('new'), saved: Date.now() }
    } as any);
    const drafts = new CardDrafts(state);
    await drafts.ready;
    expect(drafts.get('stale')).toBeUndefined();
    expect(drafts.get('broken')).toBeUndefined();
    expect(drafts.get('fresh')?.justification).toBe('new');
  });
});

describe('KernelSessions', () => {
  it('shows a finding again while open, never after sent or dismissed', () => {
    const sessions = new KernelSessions();
    const entry = sessions.entry('k1', 'fp-1');
    expect(sessions.isClosed('k1', 'fp-1')).toBe(false);
    // shown again: the same request uuid, so every copy files one request
    expect(sessions.entry('k1', 'fp-1').uuid).toBe(entry.uuid);
    sessions.close('k1', 'fp-1', 'sent');
    expect(sessions.isClosed('k1', 'fp-1')).toBe(true);
    expect(sessions.isClosed('k2', 'fp-1')).toBe(false); // another kernel
    sessions.close('k1', 'fp-2', 'dismissed', 'u-2');
    expect(sessions.isClosed('k1', 'fp-2')).toBe(true);
    sessions.reset('k1'); // the kernel restarted
    expect(sessions.isClosed('k1', 'fp-1')).toBe(false);
    expect(sessions.entry('k1', 'fp-1').uuid).not.toBe(entry.uuid);
    sessions.close(null, 'fp-3', 'sent'); // no kernel: nothing to remember
    expect(sessions.isClosed('k1', 'fp-3')).toBe(false);
  });
});
