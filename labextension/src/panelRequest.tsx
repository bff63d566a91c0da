import * as React from 'react';

import { IRequestDetail } from './api';
import { formatWhen, stateLabel, urgencyLabels } from './format';
import {
  BackButton,
  Badge,
  Button,
  Facts,
  IPanelNavigation,
  TicketLink
} from './panelParts';

/** Follow-up calls on a request; each rejects with the message to show. */
export interface IRequestActions {
  retry(id: number): Promise<void>;
  cancel(id: number): Promise<void>;
  comment(id: number, text: string): Promise<void>;
}

/**
 * One request: its state in words, dates, delivery facts, exactly what was sent, comments
 * and history, and the follow-up actions (retry, cancel, comment).
 */
export function RequestDetailView(props: {
  id: number;
  detail: IRequestDetail | null;
  loadError: string;
  actions: IRequestActions;
  nav: IPanelNavigation;
}): JSX.Element {
  const { id, detail, loadError, nav } = props;
  const trans = nav.trans;
  // the comment typed and the last action's error live as long as this request is shown
  const [draft, setDraft] = React.useState('');
  const [actionError, setActionError] = React.useState('');
  if (!detail) {
    return (
      <>
        <BackButton nav={nav} />
        <p className="jp-ITBridge-muted">
          {loadError
            ? trans.__('Could not load request #%1: %2', id, loadError)
            : trans.__('Loading request #%1…', id)}
        </p>
      </>
    );
  }
  const act = (call: Promise<void>, clearDraft = false) => {
    call
      .then(() => {
        setActionError('');
        if (clearDraft) {
          setDraft('');
        }
      })
      .catch((error: Error) => setActionError(error.message));
  };
  const onSubmit = (event: React.FormEvent) => {
    event.preventDefault();
    const text = draft.trim();
    if (text) {
      act(props.actions.comment(id, text), true);
    }
  };
  const textareaId = `jp-ITBridge-comment-${id}`;
  return (
    <>
      <BackButton nav={nav} />
      <article className="jp-ITBridge-detail" data-request-id={id}>
        <h3 className="jp-ITBridge-detailTitle">
          <span className="jp-ITBridge-id">{`#${detail.id} `}</span>
          <span>{detail.summary}</span>
        </h3>
        <p className="jp-ITBridge-stateLine">
          <Badge state={detail.state} trans={trans} />
          <span>{' ' + detail.state_detail}</span>
        </p>
        <TicketLink request={detail} trans={trans} />
        <Facts
          rows={[
            [trans.__('Filed'), formatWhen(detail.created_at)],
            [trans.__('Updated'), formatWhen(detail.updated_at)],
            [
              trans.__('Urgency'),
              urgencyLabels(trans)[detail.urgency] ?? detail.urgency
            ],
            [trans.__('Delivered to'), detail.backend],
            [trans.__('Ticket'), detail.ticket_id],
            [trans.__('Attempts'), String(detail.attempts)],
            [trans.__('Last delivery error'), detail.last_error]
          ]}
        />
        {detail.admin_hint && (
          <p className="jp-ITBridge-hint">{detail.admin_hint}</p>
        )}
        {(detail.notices ?? []).map((notice, i) => (
          <p key={i} className="jp-ITBridge-hint">
            {notice}
          </p>
        ))}
        {(detail.state === 'queued' ||
          detail.state === 'failed' ||
          detail.open) && (
          <div className="jp-ITBridge-actionsRow">
            {(detail.state === 'queued' || detail.state === 'failed') && (
              <Button
                label={trans.__('Retry now')}
                className="jp-ITBridge-retry"
                onClick={() => act(props.actions.retry(id))}
              />
            )}
            {detail.open && (
              <Button
                label={trans.__('Cancel request')}
                className="jp-ITBridge-cancel"
                onClick={() => act(props.actions.cancel(id))}
              />
            )}
          </div>
        )}
        {detail.state !== 'cancelled' && (
          <form className="jp-ITBridge-commentForm" onSubmit={onSubmit}>
            <label htmlFor={textareaId}>
              {trans.__('Add a comment for IT')}
            </label>
            <textarea
              id={textareaId}
              className="jp-mod-styled"
              rows={3}
              value={draft}
              onChange={event => setDraft(event.target.value)}
            />
            <button
              type="submit"
              className="jp-Button jp-mod-styled jp-mod-accept"
            >
              {trans.__('Add comment')}
            </button>
          </form>
        )}
        {actionError && (
          <p className="jp-ITBridge-error" role="alert">
            {actionError}
          </p>
        )}
        <details className="jp-ITBridge-sent" open>
          <summary>{trans.__('What was sent')}</summary>
          <pre className="jp-ITBridge-body-text">{detail.body}</pre>
        </details>
        {detail.comments.length > 0 && (
          <section className="jp-ITBridge-comments">
            <h4>{trans.__('Comments')}</h4>
            <ul className="jp-ITBridge-plainList">
              {detail.comments.map(c => (
                <li key={c.id}>
                  <div className="jp-ITBridge-muted">
                    {`${formatWhen(c.created_at)} · ${c.user} · ${c.delivery}`}
                  </div>
                  <div className="jp-ITBridge-commentText">{c.text}</div>
                </li>
              ))}
            </ul>
          </section>
        )}
        {detail.history.length > 0 && (
          <section className="jp-ITBridge-history">
            <h4>{trans.__('History')}</h4>
            <ul className="jp-ITBridge-plainList">
              {detail.history.map((h, i) => (
                <li key={i}>
                  {`${formatWhen(h.at)} · ${h.from ? stateLabel(h.from, trans) : '–'} → ${stateLabel(h.to, trans)}${h.note ? ' · ' + h.note : ''}`}
                </li>
              ))}
            </ul>
          </section>
        )}
      </article>
    </>
  );
}
