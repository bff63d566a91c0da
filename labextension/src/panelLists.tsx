import { LabIcon, kernelIcon, stopIcon } from '@jupyterlab/ui-components';
import * as React from 'react';

import { IIncident, IRequest } from './api';
import {
  describeIncident,
  formatAge,
  isPressure,
  kindLabel,
  stateLabel
} from './format';
import { RequestsModel } from './model';
import { displayText } from './text';
import {
  Badge,
  IncidentAction,
  IPanelNavigation,
  kindIcon,
  TicketLink
} from './panelParts';

/**
 * A list row: its main button (icon, title, meta line) opens the detail view; extra
 * controls (ticket link, incident action) follow it inside the item.
 */
function Row(props: {
  className: string;
  icon: LabIcon;
  iconTitle: string;
  title: string;
  label?: string;
  meta: React.ReactNode;
  onOpen: () => void;
  data: Record<string, string | number>;
  children?: React.ReactNode;
}): JSX.Element {
  const data: Record<string, string> = {};
  for (const [key, value] of Object.entries(props.data)) {
    data[`data-${key}`] = String(value);
  }
  return (
    <li className={props.className} {...data}>
      <button
        type="button"
        className="jp-ITBridge-itemMain"
        aria-label={props.label}
        onClick={props.onOpen}
      >
        <props.icon.react
          tag="span"
          className="jp-ITBridge-kindIcon"
          title={props.iconTitle}
        />
        <span className="jp-ITBridge-itemTitle">{props.title}</span>
        <span className="jp-ITBridge-itemMeta">{props.meta}</span>
      </button>
      {props.children}
    </li>
  );
}

function RequestRow(props: {
  request: IRequest;
  nav: IPanelNavigation;
}): JSX.Element {
  const { request, nav } = props;
  const trans = nav.trans;
  return (
    <Row
      className="jp-ITBridge-item"
      icon={kindIcon(request.kind)}
      iconTitle={kindLabel(request.kind, trans)}
      title={displayText(request.summary)}
      label={trans.__(
        'Request #%1: %2, %3. Show details',
        request.id,
        displayText(request.summary),
        stateLabel(request.state, trans)
      )}
      meta={
        <>
          <Badge state={request.state} trans={trans} />
          <span className="jp-ITBridge-id">#{request.id}</span>
          {(request.unread ?? 0) > 0 && (
            <span
              className="jp-ITBridge-unread"
              title={trans.__('%1 new message(s) from IT', request.unread)}
            >
              {trans.__('%1 new', request.unread)}
            </span>
          )}
          <span className="jp-ITBridge-age">
            {formatAge(request.created_at)}
          </span>
        </>
      }
      onOpen={() => nav.showRequest(request.id)}
      data={{ 'request-id': request.id, state: request.state }}
    >
      <TicketLink request={request} trans={trans} />
    </Row>
  );
}

function IncidentRow(props: {
  incident: IIncident;
  nav: IPanelNavigation;
}): JSX.Element {
  const { incident, nav } = props;
  const trans = nav.trans;
  return (
    <Row
      className="jp-ITBridge-item jp-ITBridge-incident"
      icon={isPressure(incident) ? kernelIcon : stopIcon}
      iconTitle={kindLabel(incident.kind, trans)}
      title={describeIncident(incident, trans)}
      meta={
        <>
          {incident.notebook_path && (
            <span className="jp-ITBridge-path">{incident.notebook_path}</span>
          )}
          <span className="jp-ITBridge-age">
            {formatAge(incident.created_at)}
          </span>
        </>
      }
      onOpen={() => nav.showIncident(incident.id)}
      data={{ 'incident-id': incident.id, kind: incident.kind }}
    >
      <IncidentAction incident={incident} nav={nav} />
    </Row>
  );
}

/** Shown before the first request: what the extension does and how to ask IT. */
function Empty(props: { nav: IPanelNavigation }): JSX.Element {
  const trans = props.nav.trans;
  return (
    <div className="jp-ITBridge-empty">
      <p className="jp-ITBridge-emptyTitle">
        {trans.__('No requests to IT yet.')}
      </p>
      <p>
        {trans.__(
          'When a cell fails because of the environment (a blocked or missing package, a missing driver, a memory limit, a blocked network), a card under the error explains it and offers a request to IT, already filled in. Requests you send and their status appear here.'
        )}
      </p>
      <p>
        {trans.__(
          'To ask IT for something yourself, use "Request help from IT…" in the Help menu or the command palette, or the button above.'
        )}
      </p>
    </div>
  );
}

/** The user's requests (newest first) and kernel incidents, or the empty state. */
export function Lists(props: {
  model: RequestsModel;
  nav: IPanelNavigation;
}): JSX.Element | null {
  const { model, nav } = props;
  const trans = nav.trans;
  const { requests, incidents } = model;
  if (model.loaded && requests.length === 0 && incidents.length === 0) {
    return <Empty nav={nav} />;
  }
  return (
    <>
      <section
        className="jp-ITBridge-section"
        aria-label={trans.__('Requests')}
      >
        <h3>{trans.__('Requests (%1)', requests.length)}</h3>
        <ul className="jp-ITBridge-list jp-ITBridge-requests">
          {requests.map(request => (
            <RequestRow key={request.id} request={request} nav={nav} />
          ))}
        </ul>
      </section>
      {incidents.length > 0 && (
        <section
          className="jp-ITBridge-section"
          aria-label={trans.__('Incidents')}
        >
          <h3>{trans.__('Kernel incidents (%1)', incidents.length)}</h3>
          <ul className="jp-ITBridge-list jp-ITBridge-incidents">
            {incidents.map(incident => (
              <IncidentRow key={incident.id} incident={incident} nav={nav} />
            ))}
          </ul>
        </section>
      )}
    </>
  );
}
