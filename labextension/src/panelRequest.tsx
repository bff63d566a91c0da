import * as React from 'react';

import { IMessage, IRequestDetail } from './api';
import {
  formatWhen,
  stateDetailText,
  stateLabel,
  urgencyLabels
} from './format';
import { displayText, lookup } from './text';
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
  /** Put the keyboard focus in the reply box (the toast's Reply button). */
  focusReply?: boolean;
}): JSX.Element {
  const { id, detail, loadError, nav } = props;
  const replyBox = React.useRef<HTMLTextAreaElement>(null);
  React.useEffect(() => {
    if (props.focusReply && detail) {
      replyBox.current?.focus();
    }
  }, [props.focusReply, detail !== null]);
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
  // the user's replies are in the thread; +1s and system notes are listed apart
  const notes = detail.comments.filter(c => c.kind !== 'comment');
  return (
    <>
      <BackButton nav={nav} />
      <article className="jp-ITBridge-detail" data-request-id={id}>
        <h3 className="jp-ITBridge-detailTitle">
          <span className="jp-ITBridge-id">{`#${detail.id} `}</span>
          <span>{displayText(detail.summary)}</span>
        </h3>
        <p className="jp-ITBridge-stateLine">
          <Badge state={detail.state} trans={trans} />
          <span>{' ' + stateDetailText(detail)}</span>
        </p>
        <TicketLink request={detail} trans={trans} />
        <Facts
          rows={[
            [trans.__('Filed'), formatWhen(detail.created_at)],
            [trans.__('Updated'), formatWhen(detail.updated_at)],
            [
              trans.__('Urgency'),
              lookup(
                new Map(Object.entries(urgencyLabels(trans))),
                detail.urgency,
                displayText(detail.urgency)
              )
            ],
            // "Delivered to" only once it was: before that, where it is going
            detail.ticket_id
              ? [trans.__('Delivered to'), detail.backend]
              : [trans.__('Ticket system'), detail.backend],
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
        <Thread
          messages={detail.messages ?? []}
          hint={detail.messages_hint ?? null}
          nav={nav}
        />
        {detail.state !== 'cancelled' && (
          <form className="jp-ITBridge-commentForm" onSubmit={onSubmit}>
            <label htmlFor={textareaId}>{trans.__('Reply to IT')}</label>
            <textarea
              id={textareaId}
              ref={replyBox}
              className="jp-mod-styled jp-ITBridge-replyText"
              rows={3}
              value={draft}
              onChange={event => setDraft(event.target.value)}
            />
            <button
              type="submit"
              className="jp-Button jp-mod-styled jp-mod-accept jp-ITBridge-reply"
            >
              {trans.__('Reply')}
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
        {notes.length > 0 && (
          <section className="jp-ITBridge-comments">
            <h4>{trans.__('Notes sent to IT')}</h4>
            <ul className="jp-ITBridge-plainList">
              {notes.map(c => (
                <li key={c.id}>
                  <div className="jp-ITBridge-muted">
                    {`${formatWhen(c.created_at)} · ${displayText(c.user)} · ${c.delivery}`}
                  </div>
                  <div className="jp-ITBridge-commentText">
                    {displayText(c.text)}
                  </div>
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

/**
 * The conversation with IT: IT's public messages and the user's replies, oldest first, as
 * plain text (React escapes it; bidi controls are neutralised), with one date format.
 */
function Thread(props: {
  messages: IMessage[];
  hint: string | null;
  nav: IPanelNavigation;
}): JSX.Element {
  const trans = props.nav.trans;
  return (
    <section
      className="jp-ITBridge-thread"
      aria-label={trans.__('Conversation')}
    >
      <h4>{trans.__('Conversation')}</h4>
      {props.hint && <p className="jp-ITBridge-hint">{props.hint}</p>}
      {props.messages.length === 0 ? (
        <p className="jp-ITBridge-muted">{trans.__('No messages yet.')}</p>
      ) : (
        <ol className="jp-ITBridge-plainList jp-ITBridge-messages">
          {props.messages.map(m => (
            <li
              key={m.id}
              className={`jp-ITBridge-message jp-ITBridge-from-${m.role}`}
              data-role={m.role}
              data-message-id={m.id}
            >
              <div className="jp-ITBridge-muted">
                {[
                  formatWhen(m.created_at),
                  m.role === 'it'
                    ? displayText(m.author) || trans.__('IT')
                    : trans.__('You'),
                  m.delivery && m.delivery !== 'delivered'
                    ? trans.__('not sent yet')
                    : ''
                ]
                  .filter(Boolean)
                  .join(' · ')}
              </div>
              <div className="jp-ITBridge-messageText">
                {displayText(m.text)}
              </div>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
