import type { IStateDB } from '@jupyterlab/statedb';
import { UUID } from '@lumino/coreutils';
import type { ReadonlyPartialJSONObject } from '@lumino/coreutils';

import type { ICardFields } from './finding';

/** The state DB key of the card drafts (the workspace keeps it across reloads). */
export const DRAFTS_KEY = 'jupyter-itbridge:card-drafts';
/** Writes to the state DB are grouped: one per pause in typing. */
const SAVE_DELAY_MS = 500;
/** Drafts older than this are forgotten (a finding nobody acted on for a month). */
const MAX_AGE_MS = 30 * 24 * 3600 * 1000;

interface IStoredDraft extends ICardFields {
  saved: number;
}

/**
 * What the user typed into a card, per finding fingerprint, until the request is sent or
 * dismissed: re-running the cell shows the card again with it, and so does a page reload
 * (the state DB lives in the workspace). Without a state DB it lasts as long as the page.
 */
export class CardDrafts {
  constructor(private _state: IStateDB | null = null) {
    this.ready = this._load();
  }

  /** Resolves once the drafts saved in the workspace are read. */
  readonly ready: Promise<void>;

  get(fingerprint: string | null): ICardFields | undefined {
    if (!fingerprint) {
      return undefined;
    }
    const draft = this._drafts.get(fingerprint);
    if (!draft) {
      return undefined;
    }
    const { summary, description, justification, urgency } = draft;
    return { summary, description, justification, urgency };
  }

  set(fingerprint: string | null, fields: ICardFields): void {
    if (!fingerprint) {
      return;
    }
    this._drafts.set(fingerprint, { ...fields, saved: Date.now() });
    this._scheduleSave();
  }

  /** Sent or dismissed: the draft is done with. */
  remove(fingerprint: string | null): void {
    if (fingerprint && this._drafts.delete(fingerprint)) {
      this._scheduleSave();
    }
  }

  /** Write pending changes now (tests, page unload). */
  async flush(): Promise<void> {
    if (this._timer !== null) {
      window.clearTimeout(this._timer);
      this._timer = null;
    }
    if (!this._state) {
      return;
    }
    const value: Record<string, IStoredDraft> = {};
    this._drafts.forEach((draft, key) => (value[key] = draft));
    await this._state.save(
      DRAFTS_KEY,
      value as unknown as ReadonlyPartialJSONObject
    );
  }

  private async _load(): Promise<void> {
    if (!this._state) {
      return;
    }
    try {
      const stored = (await this._state.fetch(DRAFTS_KEY)) as Record<
        string,
        IStoredDraft
      > | null;
      const now = Date.now();
      for (const [key, draft] of Object.entries(stored ?? {})) {
        if (
          draft &&
          typeof draft.justification === 'string' &&
          now - (draft.saved ?? 0) < MAX_AGE_MS &&
          !this._drafts.has(key) // typed since the page loaded: newer
        ) {
          this._drafts.set(key, draft);
        }
      }
    } catch (reason) {
      console.warn('jupyter-itbridge: card drafts not read', reason);
    }
  }

  private _scheduleSave(): void {
    if (!this._state || this._timer !== null) {
      return;
    }
    this._timer = window.setTimeout(() => {
      this._timer = null;
      this.flush().catch(reason =>
        console.warn('jupyter-itbridge: card drafts not saved', reason)
      );
    }, SAVE_DELAY_MS);
  }

  private _drafts = new Map<string, IStoredDraft>();
  private _timer: number | null = null;
}

/** What became of a finding in one kernel session. */
export type FindingStatus = 'open' | 'sent' | 'dismissed';

interface ISessionEntry {
  uuid: string;
  status: FindingStatus;
}

/**
 * The findings the frontend showed per kernel session (a kernel process: a restart starts
 * a new one), like the kernel extension's "once per fingerprint" set: a finding sent or
 * dismissed is not shown again in that session; one still open is shown again (with its
 * draft) and keeps its request UUID, so every copy of the card files the same request.
 */
export class KernelSessions {
  /** The entry of a finding in a kernel's session, created open. */
  entry(kernelId: string, fingerprint: string): ISessionEntry {
    const session = this._session(kernelId);
    let entry = session.get(fingerprint);
    if (!entry) {
      entry = { uuid: UUID.uuid4(), status: 'open' };
      session.set(fingerprint, entry);
    }
    return entry;
  }

  /** Whether the card for this finding should not be shown again in this session. */
  isClosed(kernelId: string, fingerprint: string): boolean {
    const status = this._sessions.get(kernelId)?.get(fingerprint)?.status;
    return status === 'sent' || status === 'dismissed';
  }

  close(
    kernelId: string | null | undefined,
    fingerprint: string | null,
    status: 'sent' | 'dismissed',
    uuid?: string
  ): void {
    if (!kernelId || !fingerprint) {
      return;
    }
    const session = this._session(kernelId);
    const entry = session.get(fingerprint);
    session.set(fingerprint, { uuid: entry?.uuid ?? uuid ?? '', status });
  }

  /** The kernel restarted (or is gone): a new session starts. */
  reset(kernelId: string): void {
    this._sessions.delete(kernelId);
  }

  private _session(kernelId: string): Map<string, ISessionEntry> {
    let session = this._sessions.get(kernelId);
    if (!session) {
      session = new Map();
      this._sessions.set(kernelId, session);
    }
    return session;
  }

  private _sessions = new Map<string, Map<string, ISessionEntry>>();
}
